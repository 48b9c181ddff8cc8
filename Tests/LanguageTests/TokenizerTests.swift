import Foundation
import Testing

@testable import Language

let corpus = [
  "a small red circle at the top left, a big blue square in the middle",
  "the red circle moves right. the blue square stays.",
  "how many circles are there? two circles.",
  "a big green triangle at the bottom right",
  "the small red circle and the big red square",
]

@Suite("Byte-level BPE")
struct TokenizerTests {
  let tokenizer = BPETokenizer.train(
    on: Array(repeating: corpus, count: 3).flatMap { $0 }, vocabularySize: 320)

  @Test func learnsMergesThatShortenText() {
    #expect(tokenizer.vocabularySize > BPETokenizer.firstMergeId)
    #expect(tokenizer.vocabularySize <= 320)
    let text = corpus[0]
    #expect(tokenizer.encode(text).count < text.utf8.count / 2)
    // Frequent words become single tokens, with their leading space.
    #expect(tokenizer.encode(" circle").count == 1)
  }

  @Test func trainingIsDeterministic() {
    let again = BPETokenizer.train(
      on: Array(repeating: corpus, count: 3).flatMap { $0 }, vocabularySize: 320)
    #expect(again == tokenizer)
  }

  @Test func arbitraryTextRoundTripsExactly() {
    let texts = [
      "", " ", "  two  spaces ", "line\nbreak\r\n\ttab", "naïve café", "日本語のテキスト",
      "emoji 🙂👍🏽 and flags 🇳🇿", "e\u{301} combining", "nul \u{0} byte", "<s> not special",
      "1234567890 3.14159", "UPPER lower MiXeD", String(repeating: "ab", count: 300),
    ]
    for text in texts {
      let ids = tokenizer.encode(text)
      #expect(tokenizer.decode(ids) == text, "\(text.debugDescription)")
      #expect(tokenizer.bytes(of: ids) == Array(text.utf8))
      #expect(ids.allSatisfy { !(256..<BPETokenizer.firstMergeId ~= $0) })
    }
  }

  @Test func randomUnicodeRoundTrips() {
    var state: UInt64 = 12345
    for _ in 0..<200 {
      var scalars = String.UnicodeScalarView()
      for _ in 0..<20 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let value = UInt32(truncatingIfNeeded: state >> 33) % 0x2_0000
        if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
      }
      let text = String(scalars)
      #expect(tokenizer.decode(tokenizer.encode(text)) == text)
    }
  }

  @Test func specialTokensOnlyWhenAskedFor() {
    let text = "<s>a red<image> circle</s>"
    let parsed = tokenizer.encode(text, parsingSpecialTokens: true)
    #expect(parsed.first == tokenizer.beginning)
    #expect(parsed.last == tokenizer.end)
    #expect(parsed.contains(tokenizer.imageSlot))
    #expect(tokenizer.decode(parsed) == text)
    let literal = tokenizer.encode(text)
    #expect(!literal.contains(tokenizer.beginning))
    #expect(tokenizer.decode(literal) == text)
  }

  @Test func cutCharactersDecodeToReplacementButBytesAreExact() {
    let bytes = Array("é".utf8)  // two bytes
    #expect(tokenizer.decode([Int(bytes[0])]) == "\u{FFFD}")
    #expect(tokenizer.bytes(of: [Int(bytes[0]), Int(bytes[1])]) == bytes)
  }

  @Test func savesAndLoads() throws {
    let path = NSTemporaryDirectory() + "tokenizer-\(getpid()).txt"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try tokenizer.save(to: path)
    let loaded = try BPETokenizer.load(from: path)
    #expect(loaded == tokenizer)
    #expect(loaded.encode(corpus[1]) == tokenizer.encode(corpus[1]))
  }

  @Test func badFilesGiveClearErrors() throws {
    func reason(_ text: String) -> String {
      do {
        _ = try BPETokenizer.parse(text, path: "t.txt")
        return "no error"
      } catch let error as TokenizerFileError {
        return error.description
      } catch {
        return "\(error)"
      }
    }
    let good = tokenizer.fileContents
    #expect(reason(good) == "no error")
    #expect(reason("hello\n").contains("not a tokenizer file"))
    #expect(reason("mmi-bpe 1\nspecials 0\n").contains("another version"))
    var lines = good.split(separator: "\n").map(String.init)
    let checksumLine = lines.removeLast()
    // A cut-off or edited file fails its checksum...
    #expect(reason(lines.dropLast(3).joined(separator: "\n") + "\n" + checksumLine + "\n")
      .contains("checksum"))
    // ...and a file whose checksum was recomputed after a bad edit fails the checks of
    // its content.
    func resealed(_ lines: [String]) -> String {
      BPETokenizer.sealed(lines.joined(separator: "\n") + "\n")
    }
    #expect(reason(resealed(lines)) == "no error")
    #expect(reason(resealed(Array(lines.dropLast(3)))).contains("cut off"))
    var bad = lines
    bad[bad.count - 1] = "99999 3"
    #expect(reason(resealed(bad)).contains("two ids"))
    bad[bad.count - 1] = "256 3"  // a special token cannot be merged
    #expect(reason(resealed(bad)).contains("two ids"))
    #expect(throws: TokenizerFileError.self) {
      _ = try BPETokenizer.load(from: "/nonexistent/tokenizer.txt")
    }
  }
}
