import Autograd
import Datasets
import Interleaved
import Language

/// Turns the world's documents into what the model reads: token sequences of a fixed
/// length, each holding whole documents one after another (Chapter 8's packing), and
/// the images they hold, in order of appearance.
public struct DocumentPacker: Sendable {
  public let tokenizer: BPETokenizer
  public let special: SpecialTokens
  /// K: slots per image, and the sequences' length in tokens.
  public let slotsPerImage: Int, length: Int

  public init(tokenizer: BPETokenizer, slotsPerImage: Int = 8, length: Int = 128) {
    self.tokenizer = tokenizer
    special = SpecialTokens(tokenizer)
    self.slotsPerImage = slotsPerImage
    self.length = length
  }

  /// A document as the decoder reads it: each text through the tokenizer, each image
  /// as K slots.
  public func sequenceDocument(_ document: Document) -> SequenceDocument {
    SequenceDocument(
      document.parts.map { part in
        if case .text(let text) = part { return .text(tokenizer.encode(text)) }
        return .image
      })
  }

  /// The tokens `document` takes in a sequence: `<s>`, its texts, `<img>` and K slots
  /// per image, `</s>`.
  public func tokenCount(_ document: SequenceDocument) -> Int {
    document.tokenCount(slotsPerImage: slotsPerImage)
  }

  /// A batch of `count` documents drawn from `next` in turn, packed in order: a
  /// document goes into the current sequence if it fits, else it starts the next one.
  /// Throws if a document is longer than a whole sequence.
  public func batch(
    of count: Int, _ next: () throws -> Document
  ) throws -> InterleavedBatch {
    var sequences: [[SequenceDocument]] = [[]]
    var used = 0  // tokens of the current sequence
    var images: [Float] = []  // [I, 3, H, W], flattened
    for _ in 0..<count {
      let document = try next()
      let tokens = sequenceDocument(document)
      let size = tokenCount(tokens)
      guard size <= length else {
        throw TrainingDataError(
          description: "a document of \(size) tokens does not fit a sequence of "
            + "\(length): \(document.transcript.prefix(60))…")
      }
      if used + size > length {
        sequences.append([])
        used = 0
      }
      sequences[sequences.count - 1].append(tokens)
      used += size
      for image in document.images { images += image.tensor.data }
    }
    let packed = try sequences.map {
      try PackedSequence.pack(
        $0, slotsPerImage: slotsPerImage, length: length, special: special)
    }
    let imageCount = images.count / (3 * Scene.size * Scene.size)
    return InterleavedBatch(
      sequences: packed,
      images: Tensor(shape: [imageCount, 3, Scene.size, Scene.size], data: images))
  }
}
