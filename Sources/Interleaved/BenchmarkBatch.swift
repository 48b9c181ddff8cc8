import Autograd
import Language

extension InterleavedBatch {
  /// The batch DESIGN §8 times a training step on: 8 sequences of 128 tokens, each one
  /// document of three 30-token texts with an image after the first and the second
  /// (so 16 images, every one with text before it, so that the U-Net draws all 16).
  /// Tokens are random bytes 0–255 and the images uniform noise: speed does not
  /// depend on what they say. The special tokens follow the bytes (256–260), so the
  /// model's vocabulary must hold at least 261 entries.
  public static func benchmark(using generator: inout SeededGenerator) -> InterleavedBatch
  {
    let special = SpecialTokens(
      padding: 256, beginning: 257, end: 258, beginImage: 259, imageSlot: 260)
    func text(_ count: Int) -> DocumentItem {
      .text((0..<count).map { _ in generator.nextInt(below: 256) })
    }
    let sequences = (0..<8).map { _ in
      try! PackedSequence.pack(  // fits: 3 × 30 + 2 × (1 + 8) + 2 = 110 ≤ 128
        [SequenceDocument([text(30), .image, text(30), .image, text(30)])],
        slotsPerImage: 8, length: 128, special: special)
    }
    return InterleavedBatch(
      sequences: sequences, images: Tensor.uniform([16, 3, 32, 32], using: &generator))
  }
}
