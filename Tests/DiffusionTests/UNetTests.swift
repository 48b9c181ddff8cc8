import Autograd
import Layers
import TestSupport
import Testing

@testable import Diffusion

/// A U-Net small enough to check by finite differences: 2 levels (4×4 and 2×2).
func tinyUNet() -> UNet {
  var c = UNetConfiguration()
  (c.channels, c.attentionLevels, c.contextWidth) = ([4, 6], [1], 4)
  (c.timeCodeWidth, c.timeWidth, c.heads, c.groups) = (4, 6, 2, 2)
  var g = SeededGenerator(seed: 1)
  let net = UNet(c, using: &g)
  randomise(net, seed: 2, magnitude: 0.5)
  return net
}

@Suite("The U-Net")
struct UNetTests {
  @Test func timestepCodesAreDistinctAndBounded() {
    let codes = timestepEmbedding([0, 1, 50, 199], width: 32)
    #expect(codes.shape == [4, 32])
    #expect(codes.data.allSatisfy { Swift.abs($0) <= 1 })
    // t = 0: sines 0, cosines 1.
    #expect(Array(codes.data[0..<16]).allSatisfy { $0 == 0 })
    #expect(Array(codes.data[16..<32]).allSatisfy { $0 == 1 })
    let rows = (0..<4).map { Array(codes.data[($0 * 32)..<($0 * 32 + 32)]) }
    #expect(Set(rows.map { $0.description }).count == 4)
  }

  @Test func shapesAtMMITinySizes() {
    var g = SeededGenerator(seed: 3)
    let net = UNet(using: &g)
    let x = Tensor.normal([2, 3, 32, 32], using: &g)
    let context = Tensor.normal([2, 8, 128], using: &g)
    var seen: [UNetSite: [Int]] = [:]
    let y = withoutGradient {
      net(x, timesteps: [3, 150], context: context) { site, features in
        seen[site] = features.shape
        return features
      }
    }
    #expect(y.shape == [2, 3, 32, 32])
    #expect(seen[.skip(level: 0)] == [2, 32, 32, 32])
    #expect(seen[.skip(level: 1)] == [2, 64, 16, 16])
    #expect(seen[.skip(level: 2)] == [2, 64, 8, 8])
    #expect(seen[.middle] == [2, 64, 8, 8])
  }

  @Test func hooksReplaceWhatTheyAreGiven() {
    let net = tinyUNet()
    var g = SeededGenerator(seed: 4)
    let x = Tensor.normal([1, 3, 4, 4], using: &g)
    let context = Tensor.normal([1, 2, 4], using: &g)
    let plain = withoutGradient { net(x, timesteps: [7], context: context) }
    let identity = withoutGradient {
      net(x, timesteps: [7], context: context) { _, features in features }
    }
    #expect(plain.data == identity.data)
    // Adding zero (a closed gate) changes nothing; adding something does.
    for site in [UNetSite.skip(level: 0), .skip(level: 1), .middle] {
      let changed = withoutGradient {
        net(x, timesteps: [7], context: context) { here, features in
          here == site ? features + 0.5 : features
        }
      }
      #expect(changed.data != plain.data, "\(site)")
    }
  }

  @Test func conditionAndTimestepMatter() {
    let net = tinyUNet()
    var g = SeededGenerator(seed: 5)
    let x = Tensor.normal([1, 3, 4, 4], using: &g)
    let a = Tensor.normal([1, 2, 4], using: &g), b = Tensor.normal([1, 2, 4], using: &g)
    let base = withoutGradient { net(x, timesteps: [7], context: a) }.data
    #expect(withoutGradient { net(x, timesteps: [7], context: b) }.data != base)
    #expect(withoutGradient { net(x, timesteps: [8], context: a) }.data != base)
  }

  @Test func guidanceInterpolatesAndExtrapolates() {
    let u = Tensor([1, 2]), c = Tensor([3, 0])
    #expect(guidedNoise(unconditional: u, conditional: c, scale: 0).data == [1, 2])
    #expect(guidedNoise(unconditional: u, conditional: c, scale: 1).data == [3, 0])
    #expect(guidedNoise(unconditional: u, conditional: c, scale: 3).data == [7, -4])
  }
}

@Suite("Gradient checks: diffusion")
struct DiffusionGradients {
  @Test func timeEmbedding() {
    var g = SeededGenerator(seed: 1)
    let layer = TimeEmbedding(codeWidth: 4, width: 5, using: &g)
    randomise(layer, magnitude: 0.5)
    let report = checkGradients(at: layer.parameters, using: &g) { _ in layer([0, 3, 90])
    }
    #expect(report.passed, "\(report)")
  }

  @Test func residualBlock() {
    var g = SeededGenerator(seed: 1)
    for (from, to) in [(4, 4), (4, 6)] {
      let block = ResidualBlock(from, to, timeWidth: 3, groups: 2, using: &g)
      randomise(block, magnitude: 0.5)
      let x = Tensor.normal([2, from, 3, 3], using: &g, requiresGrad: true)
      let t = Tensor.normal([2, 3], using: &g, requiresGrad: true)
      let report = checkGradients(at: [x, t] + block.parameters, using: &g) {
        block($0[0], time: $0[1])
      }
      #expect(report.passed, "\(from)→\(to): \(report)")
    }
  }

  @Test func conditionAttention() {
    var g = SeededGenerator(seed: 2)
    let layer = ConditionAttention(
      channels: 4, contextWidth: 3, heads: 2, groups: 2, using: &g)
    randomise(layer, magnitude: 0.5)
    let x = Tensor.normal([1, 4, 2, 3], using: &g, requiresGrad: true)
    let context = Tensor.normal([1, 2, 3], using: &g, requiresGrad: true)
    let report = checkGradients(at: [x, context] + layer.parameters, using: &g) {
      layer($0[0], context: $0[1])
    }
    #expect(report.passed, "\(report)")
  }

  /// The whole tiny U-Net, with respect to its image, its condition and one weight of
  /// each kind of layer (every path from the output back reaches the image).
  @Test func wholeUNet() {
    let net = tinyUNet()
    var g = SeededGenerator(seed: 6)
    let x = Tensor.normal([2, 3, 4, 4], using: &g, requiresGrad: true)
    let context = Tensor.normal([2, 2, 4], using: &g, requiresGrad: true)
    let weights = [
      net.time.first.weight, net.input.weight, net.down[1].firstConv.weight,
      net.downsample[0].weight, net.middleAttention.attention.key.weight,
      net.up[0].shortcut!.weight, net.upsample[0].weight, net.output.bias!,
    ]
    let report = checkGradients(at: [x, context] + weights, using: &g) {
      net($0[0], timesteps: [4, 60], context: $0[1])
    }
    #expect(report.passed, "\(report)")
  }
}
