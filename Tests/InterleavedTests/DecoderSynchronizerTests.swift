import Autograd
import Foundation
import Synchronizer
import Testing

@testable import Interleaved

/// A tiny decoder synchronizer: width 6, maps of 4 channels at 4² and 2², two images,
/// three tokens that see neither image, the first, and both.
struct TinyDecoderSetup {
  let layer: DecoderSynchronizer
  let h: Tensor  // [1, 3, 6]
  let maps: [Tensor]  // [1, 2, 4, 4, 4], [1, 2, 4, 2, 2]
  let visible = [false, false, true, false, true, true]

  /// Width 6, maps of 4 channels at two levels, 2 heads of 2 points, up to 3 images:
  /// also the size of the dense cross-attention tests.
  static var configuration: SynchronizerConfiguration {
    var configuration = SynchronizerConfiguration()
    (configuration.queryWidth, configuration.valueWidth) = (6, 4)
    (configuration.attentionWidth, configuration.outputWidth) = (4, 6)
    (configuration.heads, configuration.levels, configuration.points) = (2, 2, 2)
    configuration.maxImages = 3
    return configuration
  }

  init(seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    layer = DecoderSynchronizer(Self.configuration, using: &g)
    h = Tensor.normal([1, 3, 6], using: &g, requiresGrad: true)
    maps = [4, 2].map { Tensor.normal([1, 2, 4, $0, $0], using: &g, requiresGrad: true) }
  }
}

@Suite("MMFS in the decoder: normalised query and maps, closed gate")
struct DecoderSynchronizerTests {
  @Test func closedGateLeavesTheDecoderUnchanged() {
    let s = TinyDecoderSetup(seed: 1)
    let y = withoutGradient { s.layer(s.h, maps: s.maps, visible: s.visible) }
    #expect(y.data == s.h.data)
  }

  @Test func aTokenThatSeesNoImageReceivesTheGatedOutputBias() {
    let s = TinyDecoderSetup(seed: 2)
    s.layer.gate.assign([0.5])
    // A bias of its own (a new layer's is zero, which would hide a missing tanh).
    s.layer.synchronizer.outputProjection.bias!.assign([0.1, -0.2, 0.3, 0.4, -0.5, 0.6])
    let y = withoutGradient { s.layer(s.h, maps: s.maps, visible: s.visible) }
    let bias = s.layer.synchronizer.outputProjection.bias!.data
    for k in 0..<6 {
      let expected = s.h.data[k] + tanhf(0.5) * bias[k]
      #expect(Swift.abs(y.data[k] - expected) < 1e-6)
    }
    // The tokens that see an image receive more than the bias.
    #expect(Swift.abs(y.data[6] - (s.h.data[6] + tanhf(0.5) * bias[0])) > 1e-6)
  }

  @Test func normalisingTheMapsMakesTheReadScaleFree() {
    // RMSNorm over channels: scaling a map by 10 must not change what MMFS reads.
    let s = TinyDecoderSetup(seed: 3)
    s.layer.gate.assign([1])
    let y = withoutGradient { s.layer(s.h, maps: s.maps, visible: s.visible) }
    let scaled = withoutGradient {
      s.layer(s.h, maps: s.maps.map { $0 * 10 }, visible: s.visible)
    }
    let largest = zip(y.data, scaled.data).map { Swift.abs($0 - $1) }.max()!
    #expect(largest < 1e-4)
  }

  @Test func gradientsReachStatesMapsGateAndNorms() {
    // The offsets' weight starts at zero, so no perturbation of these inputs moves a
    // sampling point across a pixel boundary (the synchronizer's own parameters are
    // checked in SynchronizerTests, with that care).
    let s = TinyDecoderSetup(seed: 4)
    s.layer.gate.assign([0.3])
    var g = SeededGenerator(seed: 5)
    let inputs = [s.h] + s.maps + [
      s.layer.gate, s.layer.queryNorm.weight, s.layer.mapNorm.weight,
    ]
    let report = checkGradients(at: inputs, epsilon: 1e-3, using: &g) {
      s.layer($0[0], maps: [$0[1], $0[2]], visible: s.visible)
    }
    #expect(report.passed, "\(report)")
    #expect(report.checkedValues == inputs.map(\.count).reduce(0, +))
  }
}
