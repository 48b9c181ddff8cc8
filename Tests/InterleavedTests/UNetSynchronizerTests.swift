import Autograd
import Synchronizer
import Testing

@testable import Interleaved

/// A tiny U-Net site: 4 channels at 4×4, the previous image's maps of 4 channels at 4²
/// and 2², two images in the batch (the first has a previous image, the second not).
struct TinyUNetSite {
  let block: UNetSynchronizer
  let features: Tensor  // [2, 4, 4, 4]
  let maps: [Tensor]  // [2, 1, 4, 4, 4], [2, 1, 4, 2, 2]
  let hasPrevious = [true, false]

  init(seed: UInt64) {
    var base = SynchronizerConfiguration()
    base.valueWidth = 4
    base.attentionWidth = 4
    (base.heads, base.levels, base.points) = (2, 2, 2)
    var g = SeededGenerator(seed: seed)
    block = UNetSynchronizer(channels: 4, side: 4, base: base, using: &g)
    features = Tensor.normal([2, 4, 4, 4], using: &g, requiresGrad: true)
    maps = [4, 2].map { Tensor.normal([2, 1, 4, $0, $0], using: &g, requiresGrad: true) }
  }

  /// Opens the zero convolution (as training would), so that MMFS shows in the output.
  func open(using generator: inout SeededGenerator) {
    let weight = block.output.projection.weight
    weight.assign((0..<weight.count).map { _ in generator.uniform(-1, 1) })
  }
}

@Suite("MMFS in the U-Net: pixel queries over the previous image, zero convolution")
struct UNetSynchronizerTests {
  @Test func atInitialisationTheUNetIsUnchanged() {
    let s = TinyUNetSite(seed: 1)
    let y = withoutGradient {
      s.block(s.features, maps: s.maps, hasPrevious: s.hasPrevious)
    }
    #expect(y.data == s.features.data)
  }

  @Test func referencePointsArePixelCentres() {
    let centres = UNetSynchronizer.pixelCentres(side: 2)
    #expect(centres == [0.25, 0.25, 0.75, 0.25, 0.25, 0.75, 0.75, 0.75])
  }

  @Test func eachPixelReadsAroundItsOwnCentre() {
    // With the attention logits' weight at zero every pixel weighs its points alike,
    // so what it reads differs from pixel to pixel only through where it reads.
    let s = TinyUNetSite(seed: 6)
    var g = SeededGenerator(seed: 7)
    s.open(using: &g)
    let logits = s.block.synchronizer.attentionLogits.weight
    logits.assign([Float](repeating: 0, count: logits.count))
    let y = withoutGradient {
      s.block(s.features, maps: s.maps, hasPrevious: [true, true])
    }
    let read = zip(y.data, s.features.data).map { $0 - $1 }  // [2, 4, 16] per pixel
    let firstChannel = Array(read[0..<16])
    #expect((firstChannel.max()! - firstChannel.min()!) > 1e-2)
  }

  @Test func withoutAPreviousImageEveryPixelReceivesTheSameBias() {
    let s = TinyUNetSite(seed: 2)
    var g = SeededGenerator(seed: 3)
    s.open(using: &g)
    let bias = s.block.synchronizer.outputProjection.bias!
    bias.assign([0.5, -0.25, 0.75, 1])
    let y = withoutGradient {
      s.block(s.features, maps: s.maps, hasPrevious: s.hasPrevious)
    }
    /// The added part of image `b`, channel `c`, at its 16 pixels.
    func added(_ b: Int, _ c: Int) -> [Float] {
      (0..<16).map { k in
        let i = (b * 4 + c) * 16 + k
        return y.data[i] - s.features.data[i]
      }
    }
    for c in 0..<4 {
      let second = added(1, c)  // no previous image: the same at every pixel
      #expect(second.allSatisfy { Swift.abs($0 - second[0]) < 1e-5 })
      #expect(Swift.abs(second[0]) > 1e-3)
      let first = added(0, c)  // reads the previous image: varies over the pixels
      #expect((first.max()! - first.min()!) > 1e-3)
    }
  }

  @Test func gradientsReachFeaturesMapsAndNorms() {
    // The offsets' weight starts at zero, so perturbing these inputs moves no sampling
    // point across a pixel boundary.
    let s = TinyUNetSite(seed: 4)
    var g = SeededGenerator(seed: 5)
    s.open(using: &g)
    let inputs = [s.features] + s.maps + s.block.queryNorm.parameters
      + s.block.mapNorm.parameters + s.block.output.parameters
    let report = checkGradients(at: inputs, epsilon: 1e-3, using: &g) {
      s.block($0[0], maps: [$0[1], $0[2]], hasPrevious: s.hasPrevious)
    }
    #expect(report.passed, "\(report)")
    #expect(report.checkedValues == inputs.map(\.count).reduce(0, +))
  }
}
