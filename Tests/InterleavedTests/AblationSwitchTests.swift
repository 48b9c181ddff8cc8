import Autograd
import Foundation
import Language
import Layers
import Synchronizer
import TestSupport
import Testing

@testable import Interleaved

/// A tiny dense cross-attention in the decoder's place: the layer, states and maps of
/// `TinyDecoderSetup`, with this layer instead of MMFS.
struct TinyCrossAttentionSetup {
  let layer: DecoderCrossAttention
  let h: Tensor  // [1, 3, 6]
  let maps: [Tensor]  // [1, 2, 4, 4, 4], [1, 2, 4, 2, 2]
  let visible: [Bool]

  init(seed: UInt64) {
    let tiny = TinyDecoderSetup(seed: seed)
    var g = SeededGenerator(seed: seed)
    layer = DecoderCrossAttention(TinyDecoderSetup.configuration, using: &g)
    (h, maps, visible) = (tiny.h, tiny.maps, tiny.visible)
  }
}

@Suite("Dense cross-attention in the decoder: Table 7's baseline")
struct DecoderCrossAttentionTests {
  @Test func closedGateLeavesTheDecoderUnchanged() {
    let s = TinyCrossAttentionSetup(seed: 1)
    let y = withoutGradient { s.layer(s.h, maps: s.maps, visible: s.visible) }
    #expect(y.data == s.h.data)
  }

  /// Token 1 sees image 0 only: changing image 1 leaves it, and token 0 (which sees
  /// nothing), unchanged; token 2, which sees both, moves.
  @Test func aTokenReadsOnlyTheImagesItMaySee() {
    let s = TinyCrossAttentionSetup(seed: 2)
    s.layer.gate.assign([0.8])
    randomise(s.layer.attention, seed: 3)
    let before = withoutGradient { s.layer(s.h, maps: s.maps, visible: s.visible) }
    let changed = s.maps.map { map -> Tensor in
      let half = map.count / 2  // image 1 is the second half of each level
      return Tensor(
        shape: map.shape, data: map.data.enumerated().map { $0 < half ? $1 : $1 + 1 })
    }
    let after = withoutGradient { s.layer(s.h, maps: changed, visible: s.visible) }
    #expect(Array(after.data[0..<12]) == Array(before.data[0..<12]))
    let moved = (12..<18).map { Swift.abs(after.data[$0] - before.data[$0]) }.max()!
    #expect(moved > 1e-4)
  }

  @Test func gradientsReachStatesMapsAndEveryParameter() {
    let s = TinyCrossAttentionSetup(seed: 4)
    randomise(s.layer, seed: 6)
    var g = SeededGenerator(seed: 5)
    let inputs = [s.h] + s.maps + s.layer.parameters
    let report = checkGradients(at: inputs, epsilon: 1e-3, using: &g) {
      s.layer($0[0], maps: [$0[1], $0[2]], visible: s.visible)
    }
    #expect(report.passed, "\(report)")
  }
}

@Suite("The ablations' switches on the whole model")
struct AblationSwitchTests {
  /// A two-image document: text, image, text, image, text.
  func sequence() throws -> PackedSequence {
    try PackedSequence.pack(
      [SequenceDocument([.text([5]), .image, .text([6]), .image, .text([7, 8])])],
      slotsPerImage: 2, length: 14, special: TinyModel.special)
  }

  @Test func currentImageOnlyHidesEarlierImagesFromLaterTokens() throws {
    var configuration = TinyModel.configuration
    configuration.decoderReadsEarlierImages = false
    var g = SeededGenerator(seed: 1)
    let model = MMInterleaved(configuration, using: &g)
    let sequence = try sequence()
    let images = withoutGradient {
      model.encode(Tensor.uniform([2, 3, 32, 32], using: &g))
    }
    let (_, visible) = model.decoderMaps([sequence], images: images, positions: 0..<14)
    let second = sequence.imageStarts[1]
    for t in 0..<14 {
      let row = Array(visible[(2 * t)..<(2 * t + 2)])
      let expected =
        sequence.documents[t] < 0
        ? [false, false]  // padding sees nothing
        : t >= second
          ? [false, true]
          : t >= sequence.imageStarts[0]
            ? [true, false]
            : [false, false]
      #expect(row == expected, "position \(t)")
    }
  }

  @Test func singleScaleReadsOneLevelAndDenseReplacesTheSynchronizers() throws {
    var configuration = TinyModel.configuration
    configuration.decoderLevels = [1]
    configuration.decoderSynchronizer.levels = 1
    configuration.decoderImageReader = .crossAttention
    configuration.unetSynchronizes = false
    var g = SeededGenerator(seed: 2)
    let model = MMInterleaved(configuration, using: &g)
    #expect(model.decoderSynchronizers.isEmpty && model.decoderCrossAttentions.count == 2)
    #expect(model.unetSynchronizers.isEmpty)
    #expect(model.unetHook(maps: [], hasPrevious: []) == nil)
    let images = withoutGradient {
      model.encode(Tensor.uniform([2, 3, 32, 32], using: &g))
    }
    let (maps, _) = model.decoderMaps([try sequence()], images: images, positions: 0..<14)
    #expect(maps.count == 1 && maps[0].shape.suffix(2) == [8, 8])
    // The whole model still trains end to end: a finite joint loss.
    let loss = model.loss(try TinyModel.batch(), using: &g)
    #expect(loss.total.item.isFinite)
  }
}
