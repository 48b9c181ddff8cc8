import Autograd
import Language
import Synchronizer

// MARK: book:sequence-document
/// One part of an interleaved document, as the decoder will read it.
public enum DocumentItem: Sendable, Equatable {
  /// Text as token ids (without `<s>` and `</s>`).
  case text([Int])
  /// An image: in the sequence, `<img>` (the paper's `<soi>`) and K `<image>` slots.
  case image
}

/// A document of text and images, before packing.
public struct SequenceDocument: Sendable, Equatable {
  public var items: [DocumentItem]
  /// False for caption data: text before the document's first image is then no target
  /// (upstream's rule for its caption datasets: a caption is learned only after its
  /// image, never as a guess before it).
  public var trainsTextBeforeFirstImage: Bool

  public init(_ items: [DocumentItem], trainsTextBeforeFirstImage: Bool = true) {
    self.items = items
    self.trainsTextBeforeFirstImage = trainsTextBeforeFirstImage
  }
}
// MARK: end

extension SequenceDocument {
  /// The tokens the document takes in a sequence: `<s>`, its texts, `<img>` and
  /// `slots` slots per image, `</s>`.
  public func tokenCount(slotsPerImage slots: Int) -> Int {
    items.reduce(2) { total, item in
      if case .text(let ids) = item { return total + ids.count }
      return total + 1 + slots
    }
  }
}

/// The ids of the tokens that give a sequence its structure.
public struct SpecialTokens: Sendable, Equatable {
  public var padding: Int, beginning: Int, end: Int, beginImage: Int, imageSlot: Int

  public init(padding: Int, beginning: Int, end: Int, beginImage: Int, imageSlot: Int) {
    (self.padding, self.beginning, self.end) = (padding, beginning, end)
    (self.beginImage, self.imageSlot) = (beginImage, imageSlot)
  }

  /// The special tokens of Chapter 6's tokenizer.
  public init(_ tokenizer: BPETokenizer) {
    self.init(
      padding: tokenizer.padding, beginning: tokenizer.beginning, end: tokenizer.end,
      beginImage: tokenizer.beginImage, imageSlot: tokenizer.imageSlot)
  }
}

/// Why documents could not be packed.
public struct PackingError: Error, CustomStringConvertible, Equatable {
  public let description: String
}

// MARK: book:packed-sequence
/// Several documents packed into one sequence of `length` tokens, as MM-Interleaved
/// trains: `<s>` text `<img>` K × `<image>` … `</s>`, one document after another, then
/// padding. Positions run 0..<length across the documents (self-attention is causal
/// over the whole sequence); what keeps documents apart is the image mask and the
/// loss, both computed here.
public struct PackedSequence: Sendable, Equatable {
  public let tokens: [Int]  // [T]
  /// The document of each token; −1 for padding.
  public let documents: [Int]  // [T]
  /// Where each document's `<s>` is.
  public let documentStarts: [Int]
  /// Where each image's `<img>` is (its K slots follow), and its document.
  public let beginImages: [Int], imageDocuments: [Int]
  public let slotsPerImage: Int
  public let special: SpecialTokens
  /// Whether the text before each document's first image is a target.
  public let trainsTextBeforeFirstImage: [Bool]

  public var length: Int { tokens.count }
  public var imageCount: Int { beginImages.count }

  /// Each image's first slot, where it becomes visible.
  public var imageStarts: [Int] { beginImages.map { $0 + 1 } }
// MARK: end

  /// The positions of every `<image>` slot, image by image: where the resampler's K
  /// visual tokens go.
  public var slotPositions: [Int] {
    beginImages.flatMap { ($0 + 1)...($0 + slotsPerImage) }
  }

// MARK: book:sequence-visibility
  /// Which images each token may read through MMFS, [T, N] row-major: those of its own
  /// document whose first slot is at or before it. An image's own slots see it; its
  /// `<img>` does not; padding sees nothing.
  public var visibility: [Bool] {
    imageVisibility(
      tokenDocuments: documents, imageStarts: imageStarts, imageDocuments: imageDocuments)
  }
// MARK: end
}

extension PackedSequence {
// MARK: book:pack
  /// Packs `documents` in order into `length` tokens, each image taking `slots` slots.
  public static func pack(
    _ documents: [SequenceDocument], slotsPerImage slots: Int, length: Int,
    special: SpecialTokens
  ) throws -> PackedSequence {
    guard slots >= 1 else {
      throw PackingError(description: "an image needs at least one slot, got \(slots)")
    }
    var tokens: [Int] = [], owners: [Int] = []
    var documentStarts: [Int] = [], beginImages: [Int] = [], imageDocuments: [Int] = []
    for (d, document) in documents.enumerated() {
      documentStarts.append(tokens.count)
      var ids = [special.beginning]
      for item in document.items {
        switch item {
        case .text(let text): ids += text
        case .image:
          beginImages.append(tokens.count + ids.count)
          imageDocuments.append(d)
          ids += [special.beginImage] + [Int](repeating: special.imageSlot, count: slots)
        }
      }
// MARK: end
      ids.append(special.end)
      tokens += ids
      owners += [Int](repeating: d, count: ids.count)
    }
    guard tokens.count <= length else {
      throw PackingError(
        description: "\(documents.count) documents take \(tokens.count) tokens, more "
          + "than the sequence length \(length); pack fewer documents or raise the "
          + "length")
    }
    let padding = length - tokens.count
    return PackedSequence(
      tokens: tokens + [Int](repeating: special.padding, count: padding),
      documents: owners + [Int](repeating: -1, count: padding),
      documentStarts: documentStarts, beginImages: beginImages,
      imageDocuments: imageDocuments, slotsPerImage: slots, special: special,
      trainsTextBeforeFirstImage: documents.map(\.trainsTextBeforeFirstImage))
  }

// MARK: book:text-targets
  /// The next-token target of every position, −1 where the text loss must not look:
  /// the last position; a next token that is padding, an `<image>` slot (visual
  /// tokens are read, not predicted), or `<s>`; an `<img>` right after `<s>` (an image
  /// that opens a document cannot be foreseen); and, in caption documents, anything
  /// before the document's first image.
  public func textTargets() -> [Int] {
    var firstImage = [Int?](repeating: nil, count: documentStarts.count)
    for (j, d) in imageDocuments.enumerated() where firstImage[d] == nil {
      firstImage[d] = imageStarts[j]
    }
    let structural: Set = [special.padding, special.imageSlot, special.beginning]
    return (0..<length).map { t in
      guard t + 1 < length else { return -1 }
      let next = tokens[t + 1]
      if structural.contains(next) { return -1 }
      if next == special.beginImage && tokens[t] == special.beginning { return -1 }
      let d = documents[t + 1]
      if d >= 0, !trainsTextBeforeFirstImage[d], t + 1 < firstImage[d] ?? length {
        return -1
      }
      return next
    }
  }
// MARK: end

// MARK: book:condition-span
  /// The positions whose decoder states condition image j's U-Net: from its document's
  /// `<s>` through its `<img>`, reversed, so that index 0 is the `<img>` state, the
  /// nearest context first.
  public func conditionSpan(ofImage j: Int) -> [Int] {
    require(j >= 0 && j < imageCount, "conditionSpan", "image \(j) of \(imageCount)")
    return Array((documentStarts[imageDocuments[j]]...beginImages[j]).reversed())
  }

  /// Whether image j has context to learn from: more than its document's `<s>` and its
  /// own `<img>` before it. Upstream trains the image loss only for such images.
  public func isConditioned(image j: Int) -> Bool { conditionSpan(ofImage: j).count > 2 }
// MARK: end
}
