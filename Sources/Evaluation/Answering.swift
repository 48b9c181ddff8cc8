import Autograd
import Interleaved
import Language
import Training

extension MMInterleaved {
  /// The text the model writes greedily after `items` (its images given as [3, H, W]
  /// tensors, in order), with the KV cache: until `</s>` or `<img>`, at most
  /// `maxTokens` tokens. Evaluation asks this of every held-out question.
  public func greedyText(
    after items: [DocumentItem], images: [Tensor], special: SpecialTokens,
    maxTokens: Int
  ) throws -> [Int] {
    let generation = InterleavedGeneration(
      special: special, slotsPerImage: configuration.visualTokens,
      imageSide: configuration.unetSide, maxTokens: maxTokens, maxImages: 0)
    var reader = CachedInterleavedReader(self)
    var generator = SeededGenerator(seed: 0)  // greedy: never drawn from
    return try generation.continue(
      items, images: images, reader: &reader, using: &generator
    ).newTokens
  }

  /// The logits of the token that would follow `items` (images as [3, H, W] tensors).
  public func nextTokenLogits(
    after items: [DocumentItem], images: [Tensor], special: SpecialTokens
  ) throws -> [Float] {
    let document = SequenceDocument(items)
    let slots = configuration.visualTokens
    let sequence = try PackedSequence.pack(
      [document], slotsPerImage: slots, length: document.tokenCount(slotsPerImage: slots),
      special: special)
    let reader = CachedInterleavedReader(self)
    // Packing closes the document with </s>; the position before it is the last.
    return try reader.read(sequence, positions: 0..<(sequence.length - 1), images: images)
  }

  /// Greedy answers to `prompts` after their images, decoded and trimmed.
  func answers(
    _ prompts: [(images: [Tensor], text: String)], packer: DocumentPacker,
    maxTokens: Int
  ) throws -> [String] {
    try prompts.map { images, text in
      let items =
        images.map { _ in DocumentItem.image }
        + [.text(packer.tokenizer.encode(text))]
      let ids = try greedyText(
        after: items, images: images, special: packer.special, maxTokens: maxTokens)
      return packer.tokenizer.decode(ids).trimmingCharacters(in: .whitespaces)
    }
  }
}
