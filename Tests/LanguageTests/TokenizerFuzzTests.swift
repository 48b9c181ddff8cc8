import Autograd
import TestSupport
import Testing

@testable import Language

import Platform

/// A thousand damaged copies of a real tokenizer file: each must end in a thrown
/// `TokenizerFileError` that names the file, never in a crash or a silent load.
@Suite("Tokenizer file fuzzing")
struct TokenizerFuzzTests {
  static let tokenizer = BPETokenizer.train(
    on: Array(repeating: corpus, count: 3).flatMap { $0 }, vocabularySize: 300)

  /// `lines` as a file sealed with a correct checksum: only the edit is wrong.
  static func resealed(_ lines: [String]) -> [UInt8] {
    Array(BPETokenizer.sealed(lines.joined(separator: "\n") + "\n").utf8)
  }

  static func mutated(
    _ bytes: [UInt8], kind: Int, using random: inout SeededGenerator
  ) -> [UInt8] {
    var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
      .map(String.init)
    lines.removeLast()  // the checksum
    // Numbers no count or merge may hold here (256 is the first special token's id).
    let lies = [
      "-1", "99999999999999999999", "\(Int.max)", "\(Int.min)", "256", "", "1 2 3",
      "\(1000 + random.nextInt(below: 1000))", "x",
    ]
    switch kind {
    case 0: return Damage.truncated(bytes, using: &random)
    case 1: return Damage.flipped(bytes, using: &random)
    case 2:  // a count that lies ("specials N", "merges N")
      let countLines = lines.indices.filter {
        lines[$0].hasPrefix("merges ") || lines[$0].hasPrefix("specials ")
      }
      let at = countLines[random.nextInt(below: countLines.count)]
      let word = lines[at].split(separator: " ")[0]
      lines[at] = "\(word) \(lies[random.nextInt(below: lies.count)])"
      return resealed(lines)
    case 3:  // a merge that names an id that does not exist yet, or a special
      let merges = lines.indices.filter { lines[$0].first?.isNumber == true }
      let at = merges[random.nextInt(below: merges.count)]
      let parts = lines[at].split(separator: " ")
      let lie = lies[random.nextInt(below: lies.count)]
      lines[at] =
        random.nextInt(below: 2) == 0 ? "\(lie) \(parts[1])" : "\(parts[0]) \(lie)"
      return resealed(lines)
    default:  // a line removed or duplicated
      let at = 1 + random.nextInt(below: lines.count - 1)
      if random.nextInt(below: 2) == 0 {
        lines.remove(at: at)
      } else {
        lines.insert(lines[at], at: at)
      }
      return resealed(lines)
    }
  }

  @Test func everyMutationEndsInAnErrorNamingTheFile() throws {
    let original = Array(Self.tokenizer.fileContents.utf8)
    let path = "/tmp/mmi-\(getpid())-fuzz-tokenizer.txt"
    defer { unlink(path) }
    var random = SeededGenerator(seed: 2025)
    for trial in 0..<1000 {
      let bytes = Self.mutated(original, kind: trial % 5, using: &random)
      try writeFileAtomically(bytes, to: path)
      do {
        _ = try BPETokenizer.load(from: path)
        Issue.record("mutation \(trial) (kind \(trial % 5)) loaded without an error")
      } catch let error as TokenizerFileError {
        #expect(error.description.contains(path), "\(error)")
      }
    }
  }

  @Test func theChecksumCatchesAnEditTheFormatCannot() throws {
    // One merge changed into another valid merge: a well-formed file, a different
    // tokenizer. Only the checksum knows.
    var lines = Self.tokenizer.fileContents.split(separator: "\n").map(String.init)
    let at = lines.count - 3
    let parts = lines[at].split(separator: " ")
    lines[at] = "\(parts[0]) \(Int(parts[1])! == 101 ? 100 : 101)"
    let edited = lines.joined(separator: "\n") + "\n"
    #expect {
      _ = try BPETokenizer.parse(edited, path: "edited.txt")
    } throws: { error in
      "\(error)".contains("edited.txt") && "\(error)".contains("checksum")
    }
    // The same edit, resealed, loads: it is the checksum that refused it.
    lines.removeLast()
    #expect(try BPETokenizer.parse(String(decoding: Self.resealed(lines), as: UTF8.self))
      != Self.tokenizer)
  }
}
