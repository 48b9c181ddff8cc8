import Autograd
import Platform

/// A byte-level byte-pair-encoding tokenizer (Sennrich et al., 2016; GPT-2's byte
/// level), trained from scratch.
///
/// Ids 0–255 are the bytes themselves, so any UTF-8 text can be written and read back
/// exactly; then come the special tokens; then one id per learned merge, in the order
/// learned. Text is first cut into chunks (a word with its leading space, a run of
/// digits, a run of punctuation, whitespace), and merges never cross a chunk boundary.
public struct BPETokenizer: Sendable, Equatable {
  /// The special tokens, in id order after the 256 bytes.
  public static let specialNames = ["<pad>", "<s>", "</s>", "<img>", "<image>"]

  /// Learned merges in rank order: merge k joins `merges[k]` into id `firstMergeId + k`.
  public private(set) var merges: [Pair]
  /// The bytes each id stands for (specials: their names' bytes).
  public private(set) var pieces: [[UInt8]]
  private var rank: [Pair: Int] = [:]

  public struct Pair: Hashable, Sendable, Comparable {
    public let first: Int, second: Int
    public init(_ first: Int, _ second: Int) {
      (self.first, self.second) = (first, second)
    }
    public static func < (a: Pair, b: Pair) -> Bool {
      (a.first, a.second) < (b.first, b.second)
    }
  }

  public static let firstSpecialId = 256
  public static let firstMergeId = 256 + specialNames.count
  public var padding: Int { Self.firstSpecialId }
  public var beginning: Int { Self.firstSpecialId + 1 }
  public var end: Int { Self.firstSpecialId + 2 }
  /// The token that opens an image in an interleaved sequence.
  public var beginImage: Int { Self.firstSpecialId + 3 }
  /// The placeholder replaced by one visual token's embedding.
  public var imageSlot: Int { Self.firstSpecialId + 4 }
  public var vocabularySize: Int { pieces.count }

  /// A tokenizer with the given merges (none: bytes and specials only).
  public init(merges: [Pair] = []) {
    self.merges = []
    pieces = (0..<256).map { [UInt8($0)] } + Self.specialNames.map { Array($0.utf8) }
    for pair in merges { append(pair) }
  }

  private mutating func append(_ pair: Pair) {
    require(
      pair.first < pieces.count && pair.second < pieces.count
        && !(Self.firstSpecialId..<Self.firstMergeId).contains(pair.first)
        && !(Self.firstSpecialId..<Self.firstMergeId).contains(pair.second),
      "BPETokenizer",
      "merge (\(pair.first), \(pair.second)) names an unknown or special id")
    rank[pair] = merges.count
    merges.append(pair)
    pieces.append(pieces[pair.first] + pieces[pair.second])
  }

  // MARK: book:bpe-train
  /// Learns merges from `texts` until the vocabulary has `vocabularySize` ids or no pair
  /// occurs twice. Each step merges the most frequent adjacent pair (ties: the smaller
  /// pair of ids, so training is deterministic).
  public static func train(on texts: [String], vocabularySize: Int) -> BPETokenizer {
    var tokenizer = BPETokenizer()
    var chunkCounts: [[UInt8]: Int] = [:]
    for text in texts {
      for chunk in chunks(of: Array(text.utf8)) { chunkCounts[chunk, default: 0] += 1 }
    }
    // Each distinct chunk once, as a sequence of ids, with how often it occurs.
    var words = chunkCounts.sorted { $0.key.lexicographicallyPrecedes($1.key) }
      .map { (ids: $0.key.map(Int.init), count: $0.value) }
    while tokenizer.vocabularySize < vocabularySize {
      guard let best = mostFrequentPair(in: words), best.count >= 2 else { break }
      let id = tokenizer.vocabularySize
      tokenizer.append(best.pair)
      for w in words.indices where words[w].ids.count > 1 {
        words[w].ids = merged(words[w].ids, best.pair, into: id)
      }
    }
    return tokenizer
  }

  /// The adjacent pair with the largest total count over `words` (each counted as
  /// often as it occurs), ties to the smaller pair; nil when no word has two ids.
  public static func mostFrequentPair(
    in words: [(ids: [Int], count: Int)]
  ) -> (pair: Pair, count: Int)? {
    var pairCounts: [Pair: Int] = [:]
    for word in words where word.ids.count > 1 {
      for i in 0..<(word.ids.count - 1) {
        pairCounts[Pair(word.ids[i], word.ids[i + 1]), default: 0] += word.count
      }
    }
    return pairCounts.max { a, b in a.value != b.value ? a.value < b.value : b.key < a.key
    }
    .map { ($0.key, $0.value) }
  }
  // MARK: end

  /// `ids` with every occurrence of `pair` (left to right) replaced by `id`.
  static func merged(_ ids: [Int], _ pair: Pair, into id: Int) -> [Int] {
    var result: [Int] = []
    result.reserveCapacity(ids.count)
    var i = 0
    while i < ids.count {
      if i + 1 < ids.count && ids[i] == pair.first && ids[i + 1] == pair.second {
        result.append(id)
        i += 2
      } else {
        result.append(ids[i])
        i += 1
      }
    }
    return result
  }

  /// The kind of a byte for cutting text into chunks. Bytes of multi-byte UTF-8
  /// characters count as letters, so a word in any script stays one chunk.
  enum ByteClass { case letter, digit, space, newline, other }

  static func byteClass(_ byte: UInt8) -> ByteClass {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      0x80...0xFF:
      return .letter
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return .digit
    case UInt8(ascii: " "): return .space
    case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): return .newline
    default: return .other
    }
  }

  /// Cuts bytes into chunks: an optional single space followed by a run of one class
  /// (letters, digits or other symbols); spaces not followed by such a run, and line
  /// breaks, form chunks of their own.
  static func chunks(of bytes: [UInt8]) -> [[UInt8]] {
    var result: [[UInt8]] = []
    var i = 0
    while i < bytes.count {
      let start = i
      var kind = byteClass(bytes[i])
      if kind == .space, i + 1 < bytes.count {
        let next = byteClass(bytes[i + 1])
        if next != .space && next != .newline {
          i += 1
          kind = next
        }
      }
      i += 1
      while i < bytes.count && byteClass(bytes[i]) == kind { i += 1 }
      result.append(Array(bytes[start..<i]))
    }
    return result
  }

  // MARK: book:bpe-encode
  /// The ids of `text`. With `parsingSpecialTokens`, the names of special tokens in the
  /// text ("<s>", "<image>", …) become their ids; otherwise they are ordinary text.
  public func encode(_ text: String, parsingSpecialTokens: Bool = false) -> [Int] {
    var ids: [Int] = []
    for (segment, special) in segments(of: text, parsing: parsingSpecialTokens) {
      if let special {
        ids.append(special)
        continue
      }
      for chunk in Self.chunks(of: segment) { ids += encode(chunk: chunk) }
    }
    return ids
  }

  /// One chunk: start from its bytes and apply the earliest-learned applicable merge
  /// until none applies (the order training found them in).
  func encode(chunk: [UInt8]) -> [Int] {
    var ids = chunk.map(Int.init)
    while ids.count > 1 {
      var best: (rank: Int, pair: Pair)? = nil
      for i in 0..<(ids.count - 1) {
        let pair = Pair(ids[i], ids[i + 1])
        if let r = rank[pair], r < best?.rank ?? Int.max { best = (r, pair) }
      }
      guard let best else { break }
      ids = Self.merged(ids, best.pair, into: Self.firstMergeId + best.rank)
    }
    return ids
  }
  // MARK: end

  /// Splits text at special-token names (when parsing them): (bytes, nil) pieces of
  /// ordinary text and ([], id) pieces for special tokens, in order. The names are
  /// ASCII, so cutting the UTF-8 bytes there never splits a character.
  func segments(of text: String, parsing: Bool) -> [([UInt8], Int?)] {
    let bytes = Array(text.utf8)
    guard parsing else { return [(bytes, nil)] }
    let names = Self.specialNames.map { Array($0.utf8) }
    var result: [([UInt8], Int?)] = []
    var plain: [UInt8] = []
    var i = 0
    scan: while i < bytes.count {
      if bytes[i] == UInt8(ascii: "<") {
        for (k, name) in names.enumerated()
        where bytes[i...].starts(with: name) {
          if !plain.isEmpty { result.append((plain, nil)) }
          plain = []
          result.append(([], Self.firstSpecialId + k))
          i += name.count
          continue scan
        }
      }
      plain.append(bytes[i])
      i += 1
    }
    if !plain.isEmpty { result.append((plain, nil)) }
    return result
  }

  /// The bytes `ids` stand for (special tokens as their names).
  public func bytes(of ids: [Int]) -> [UInt8] {
    ids.flatMap { id in
      require(
        id >= 0 && id < pieces.count,
        "BPETokenizer", "id \(id) is outside the vocabulary of \(pieces.count)")
      return pieces[id]
    }
  }

  /// The text of `ids`. Bytes that are not valid UTF-8 (a sequence cut inside a
  /// character) become U+FFFD; `bytes(of:)` gives them exactly.
  public func decode(_ ids: [Int]) -> String {
    String(decoding: bytes(of: ids), as: UTF8.self)
  }

  /// One token as readable text, with its leading space shown as "·".
  public func piece(_ id: Int) -> String {
    let text = String(decoding: pieces[id], as: UTF8.self)
    return text.replacingSpaces()
  }
}

extension String {
  fileprivate func replacingSpaces() -> String {
    String(map { $0 == " " ? "·" : $0 })
  }
}
