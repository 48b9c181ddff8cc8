import Autograd
import Datasets
import Interleaved
import Language
import Training

/// A reader's prompt: text with `<image>` where an image goes, as the `Generate`
/// command takes it ("caption: <image>", "draw: a big red circle <image>").
public struct InterleavedPrompt: Sendable, Equatable {
  /// The prompt as the decoder reads it: texts as token ids, `.image` per marker.
  public let items: [DocumentItem]
  /// Characters the world's text never uses (kept, as raw bytes: see `parse`).
  public let unknownCharacters: [Character]

  /// The marker of an image in a prompt.
  public static let imageMarker = "<image>"

  /// Parses `text` with `tokenizer`. Every character can be written (the tokenizer is
  /// byte-level), but the model has only read the world's lower-case words, digits and
  /// a little punctuation: others are kept as raw bytes it has never seen, and listed
  /// in `unknownCharacters` so that the caller can say so. Structural tokens other than
  /// `<image>` ("<s>", "</s>", "<img>", "<pad>") are an error: the loop writes those.
  public init(_ text: String, tokenizer: BPETokenizer) throws {
    let structural = BPETokenizer.specialNames.filter { $0 != Self.imageMarker }
    if let found = structural.first(where: { text.contains($0) }) {
      throw GenerationError(
        description: "the prompt holds \(found), which the generation loop writes "
          + "itself; write \(Self.imageMarker) where an image goes, and only text "
          + "besides")
    }
    var items: [DocumentItem] = []
    let pieces = text.components(separatedBy: Self.imageMarker)
    for (k, piece) in pieces.enumerated() {
      // Spaces around a marker belong to the marker, as in "caption: <image> a".
      let trimmed = piece.trimmingCharacters(in: .whitespaces)
      if !trimmed.isEmpty {
        items.append(.text(tokenizer.encode(k == 0 ? trimmed : " " + trimmed)))
      }
      if k + 1 < pieces.count { items.append(.image) }
    }
    guard !items.isEmpty else {
      throw GenerationError(
        description: "the prompt is empty; give some text, \(Self.imageMarker) markers, "
          + "or both, e.g. \"caption: <image>\"")
    }
    let known = Self.worldCharacters
    var unknown: [Character] = []
    for character in text.replacingOccurrences(of: Self.imageMarker, with: " ")
    where !known.contains(character) && !unknown.contains(character) {
      unknown.append(character)
    }
    (self.items, unknownCharacters) = (items, unknown)
  }

  /// What the unknown characters mean for the reader, and what the world writes.
  public var unknownCharactersNote: String {
    let listed = unknownCharacters.map { "\"\($0)\"" }.joined(separator: " ")
    let marks = Self.worldCharacters.filter { !$0.isLetter && !$0.isNumber && $0 != " " }
      .sorted().map(String.init).joined(separator: " ")
    let upper = unknownCharacters.contains { $0.isUppercase }
    return "the world's text never uses \(listed); the tokenizer keeps such characters "
      + "as raw bytes the model has never read, so expect it to be lost around them. "
      + "It knows lower-case letters, digits and \(marks)"
      + (upper ? "; write in lower case." : ".")
  }

  /// The number of `<image>` markers.
  public var imageCount: Int { items.filter { $0 == .image }.count }

  /// Every character the world's documents use, from a fixed sample of each kind of
  /// document (the digits' too when Data/digits.csv is at hand: run from the
  /// repository's root).
  public static let worldCharacters: Set<Character> = {
    var generator = SeededGenerator(seed: 7)
    var seen: Set<Character> = [" "]
    let digits = try? Digits.load()
    for task in TrainingTask.allCases {
      for _ in 0..<300 {
        guard let document = try? task.document(using: &generator, digits: digits)
        else { continue }
        for case .text(let text) in document.parts { seen.formUnion(text) }
      }
    }
    return seen
  }()
}
