import Autograd
import Interleaved
import Language

// MARK: book:generation-reader
/// What the generation loop needs from a model: read new positions of the document,
/// and draw an image. `MMInterleaved` does both through `CachedInterleavedReader`;
/// tests give the loop a fake one whose every answer is known in advance.
public protocol InterleavedReader {
  /// Reads `positions` of `sequence` (the document so far, packed), which follow the
  /// positions read before; `images` are the document's images so far ([3, H, W] each,
  /// in [0, 1]). Returns the next-token logits after the last position read.
  mutating func read(
    _ sequence: PackedSequence, positions: Range<Int>, images: [Tensor]
  ) throws -> [Float]

  /// Draws image `index` of `sequence`, whose `<img>` has been read (its slots have
  /// not): `images[index]` is a placeholder, never looked at. Returns [3, H, W] in
  /// [0, 1].
  mutating func drawImage(
    _ index: Int, of sequence: PackedSequence, images: [Tensor],
    using generator: inout SeededGenerator
  ) throws -> Tensor
}
// MARK: end

/// One step of a document being written: a token, or an image drawn.
public enum GenerationEvent: Sendable, Equatable {
  case token(Int)
  /// Image `index` of the document (counting the prompt's images) was drawn.
  case image(index: Int)
  /// The model wrote `</s>`: the document is finished.
  case end
}

/// A document continued by the model: its items and images, prompt included, and what
/// the model added, in order.
public struct GeneratedDocument {
  /// The prompt, and how many of its images were given (a last one may be drawn).
  public let prompt: [DocumentItem]
  public let givenImages: Int
  public var items: [DocumentItem]
  public var images: [Tensor]  // [3, H, W] each, in [0, 1]
  public var events: [GenerationEvent]
  /// The new text, token by token, and the images drawn (their indices in `images`).
  public var newTokens: [Int] {
    events.compactMap { if case .token(let id) = $0 { id } else { nil } }
  }
  public var drawnImages: [Int] {
    events.compactMap { if case .image(let index) = $0 { index } else { nil } }
  }
}

/// Why a document cannot be continued.
public struct GenerationError: Error, CustomStringConvertible, Equatable {
  public let description: String
  public init(description: String) { self.description = description }
}

// MARK: book:generation-settings
/// How a document is continued: text until `</s>` or `<img>`, an image on `<img>`,
/// as MM-Interleaved's inference loop alternates.
public struct InterleavedGeneration {
  /// How the next token is picked (upstream: top-p 0.9, repetition penalty 1.3).
  public var sampler: Sampler
  /// At most this many new text tokens, and this many new images.
  public var maxTokens: Int, maxImages: Int
  /// DDIM steps and classifier-free guidance scale for each image.
  public var steps: Int, guidance: Float
  /// The ids that give a sequence its structure, and the slots an image takes.
  public let special: SpecialTokens
  public let slotsPerImage: Int
  /// Where an image is about to be drawn: mid-grey, as upstream's.
  public let placeholder: Tensor  // [3, H, W]

  public init(
    special: SpecialTokens, slotsPerImage: Int, imageSide: Int,
    sampler: Sampler = .greedy, maxTokens: Int = 40, maxImages: Int = 2,
    steps: Int = 25, guidance: Float = 3
  ) {
    (self.special, self.slotsPerImage, self.sampler) = (special, slotsPerImage, sampler)
    (self.maxTokens, self.maxImages) = (maxTokens, maxImages)
    (self.steps, self.guidance) = (steps, guidance)
    placeholder = Tensor.full([3, imageSide, imageSide], 0.5)
  }
  // MARK: end
}

extension InterleavedGeneration {
  // MARK: book:generation-loop
  /// Continues `prompt` (texts as token ids; images as `.image`, with their pictures in
  /// `images`, in order). A prompt that ends in `.image` with one picture fewer asks
  /// for that image to be drawn first (upstream's evaluation appends `<soi>` so).
  /// `imageDrawn` hears of each image as soon as it is drawn.
  public func `continue`<Reader: InterleavedReader>(
    _ prompt: [DocumentItem], images: [Tensor], reader: inout Reader,
    using generator: inout SeededGenerator,
    imageDrawn: ((_ index: Int, _ image: Tensor) -> Void)? = nil
  ) throws -> GeneratedDocument {
    let wanted = prompt.filter { $0 == .image }.count
    let drawFirst = prompt.last == .image && wanted == images.count + 1
    guard wanted == images.count || drawFirst else {
      throw GenerationError(
        description: "the prompt holds \(wanted) images but \(images.count) pictures "
          + "were given; give one per image (the last may be left to draw)")
    }
    var document = GeneratedDocument(
      prompt: prompt, givenImages: images.count, items: prompt, images: images,
      events: [])
    var pending: Int? = nil  // an image whose <img> is in the document, not yet drawn
    if drawFirst {
      document.images.append(placeholder)
      pending = images.count
    }
    var scheduled = pending == nil ? 0 : 1  // new images asked for so far
    var read = 0  // positions the reader has read
    while true {
      let sequence = try pack(document.items)
      if let j = pending {
        // Read through the image's <img> (its condition's nearest state), draw it, and
        // put it where the placeholder was, before any of its slots is read.
        let open = sequence.beginImages[j]
        _ = try reader.read(
          sequence, positions: read..<(open + 1), images: document.images)
        read = open + 1
        let image = try reader.drawImage(
          j, of: sequence, images: document.images, using: &generator)
        document.images[j] = image
        document.events.append(.image(index: j))
        imageDrawn?(j, image)
        pending = nil
      }
      // Packing closes the document with </s>, which is never read.
      let end = sequence.length - 1
      let logits = try reader.read(
        sequence, positions: read..<end, images: document.images)
      read = end
      guard document.newTokens.count < maxTokens else { break }
      let token = sampler.next(
        logits, previous: textTokens(document.items), using: &generator)
      if token == special.end {
        document.events.append(.end)
        break
      }
      if token == special.beginImage {
        guard scheduled < maxImages else { break }
        scheduled += 1
        document.items.append(.image)
        document.images.append(placeholder)
        pending = document.images.count - 1
        continue
      }
      document.events.append(.token(token))
      if case .text(let ids) = document.items.last {
        document.items[document.items.count - 1] = .text(ids + [token])
      } else {
        document.items.append(.text([token]))
      }
    }
    return document
  }
  // MARK: end

  /// The text tokens of a document, in order (what the repetition penalty looks at).
  func textTokens(_ items: [DocumentItem]) -> [Int] {
    items.flatMap { item -> [Int] in
      if case .text(let ids) = item { ids } else { [] }
    }
  }

  /// Packs the document so far into one sequence just long enough.
  func pack(_ items: [DocumentItem]) throws -> PackedSequence {
    let document = SequenceDocument(items)
    return try PackedSequence.pack(
      [document], slotsPerImage: slotsPerImage,
      length: document.tokenCount(slotsPerImage: slotsPerImage), special: special)
  }
}
