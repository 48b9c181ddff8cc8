/// The words of the synthetic world, one token each: enough for a small text encoder
/// (Chapter 6 builds a real byte-level tokenizer).
public struct WordVocabulary: Sendable {
  public static let padding = 0
  public let words: [String]
  let index: [String: Int]

  public init() {
    var words = ["<pad>", "<unknown>", "a", "the", ",", "at", "on", "in"]
    words += ObjectSize.allCases.map(\.name) + ObjectColor.allCases.map(\.name)
    words += ShapeKind.allCases.map(\.name)
    words += ["top", "bottom", "left", "right", "middle"]
    self.words = words
    index = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, $0) })
  }

  public var count: Int { words.count }

  /// Token ids of `text` (commas are words of their own), padded or cut to `length`.
  public func encode(_ text: String, length: Int) -> [Int] {
    let spaced = text.split(separator: ",", omittingEmptySubsequences: false)
      .joined(separator: " , ")
    var ids = spaced.split(separator: " ").map { index[String($0)] ?? 1 }
    ids = Array(ids.prefix(length))
    return ids + [Int](repeating: WordVocabulary.padding, count: length - ids.count)
  }

  public func decode(_ ids: [Int]) -> String {
    ids.filter { $0 != WordVocabulary.padding }.map { words[$0] }.joined(separator: " ")
  }
}
