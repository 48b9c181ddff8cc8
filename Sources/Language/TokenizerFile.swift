import Layers
import Platform

/// What can be wrong with a tokenizer file.
public struct TokenizerFileError: Error, CustomStringConvertible, Equatable {
  public let path: String
  public let reason: String
  public var description: String {
    "tokenizer file \(path): \(reason)"
  }
}

extension BPETokenizer {
  static let fileHeader = "mmi-bpe 2"

  /// The tokenizer as text: a header, the special tokens, one merge per line
  /// ("first second", ids) in rank order, and last the CRC-32 of everything before it
  /// (a merge id changed by a disk error would otherwise load as another tokenizer).
  public var fileContents: String {
    var lines = [Self.fileHeader, "specials \(Self.specialNames.count)"]
    lines += Self.specialNames
    lines.append("merges \(merges.count)")
    lines += merges.map { "\($0.first) \($0.second)" }
    return Self.sealed(lines.joined(separator: "\n") + "\n")
  }

  /// `body` followed by its checksum line: "checksum <CRC-32 of body>".
  static func sealed(_ body: String) -> String {
    body + checksumLine(Array(body.utf8))
  }

  static func checksumLine(_ body: [UInt8]) -> String {
    "checksum \(hexadecimal(crc32(body)))\n"
  }

  /// Writes the tokenizer to `path` atomically (temporary file, then rename).
  public func save(to path: String) throws {
    do {
      try writeFileAtomically(Array(fileContents.utf8), to: path)
    } catch {
      throw TokenizerFileError(path: path, reason: "cannot write (\(error.reason))")
    }
  }

  /// Reads a tokenizer written by `save(to:)`, checking every line.
  public static func load(from path: String) throws -> BPETokenizer {
    let bytes: [UInt8]
    do {
      bytes = try readFileBytes(path)
    } catch {
      throw TokenizerFileError(
        path: path, reason: "cannot open (\(error.reason)); check the path")
    }
    return try parse(String(decoding: bytes, as: UTF8.self), path: path)
  }

  /// Parses the text of a tokenizer file; `path` names it in errors.
  public static func parse(_ text: String, path: String = "<text>") throws -> BPETokenizer
  {
    func fail(_ reason: String) -> TokenizerFileError {
      TokenizerFileError(path: path, reason: reason)
    }
    guard text.hasPrefix(fileHeader + "\n") else {
      throw fail(
        text.hasPrefix("mmi-bpe ")
          ? "written by another version of the book (the first line should be "
            + "\"\(fileHeader)\"); run Chapter 6 again to write it anew"
          : "the first line should be \"\(fileHeader)\"; this is not a tokenizer file")
    }
    // The last line is the checksum of everything before it.
    let bytes = Array(text.utf8)
    let bodyEnd = (bytes.dropLast().lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
    guard bytes.last == UInt8(ascii: "\n"),
      String(decoding: bytes[bodyEnd...], as: UTF8.self)
        == checksumLine(Array(bytes[..<bodyEnd]))
    else {
      throw fail(
        "its content does not match the checksum on its last line: it was cut off, "
          + "damaged or edited. Run Chapter 6 again to write it anew")
    }
    let lines = String(decoding: bytes[..<bodyEnd], as: UTF8.self)
      .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let specialCount = "specials \(specialNames.count)"
    guard lines.count > 2 + specialNames.count, lines[1] == specialCount,
      Array(lines[2..<(2 + specialNames.count)]) == specialNames
    else {
      throw fail("line 2 onwards should list the special tokens \(specialNames)")
    }
    let countLine = 2 + specialNames.count
    let countParts = lines[countLine].split(separator: " ")
    guard countParts.count == 2, countParts[0] == "merges", let count = Int(countParts[1])
    else {
      throw fail("line \(countLine + 1) should read \"merges N\"")
    }
    let body = lines[(countLine + 1)...].filter { !$0.isEmpty }
    guard body.count == count else {
      throw fail(
        "the header promises \(count) merges but the file has \(body.count); "
          + "it was cut off or edited")
    }
    var pairs: [Pair] = []
    for (k, line) in body.enumerated() {
      let ids = line.split(separator: " ").compactMap { Int($0) }
      let known = 0..<(firstMergeId + k)
      let specials = firstSpecialId..<firstMergeId
      guard ids.count == 2, ids.allSatisfy({ known ~= $0 && !(specials ~= $0) }) else {
        throw fail(
          "line \(countLine + 2 + k) (\"\(line)\") should be two ids of bytes or "
            + "earlier merges")
      }
      pairs.append(Pair(ids[0], ids[1]))
    }
    return BPETokenizer(merges: pairs)
  }
}

extension BPETokenizer {
  /// The files Chapter 6 saves its tokenizer to, full run and quick run.
  public static let savedByChapter6 = (
    full: "Checkpoints/ch06-tokenizer.txt", quick: "Checkpoints/ch06-tokenizer-quick.txt")

  /// The tokenizer Chapter 6 saved: in a full run its full run's if there is one (its
  /// quick one otherwise, which `make demo` leaves: the world's words are merged in full
  /// by either), in a quick run the quick one. A missing file throws an error that says
  /// how to make it.
  public static func savedByChapter6(full: Bool) throws -> (BPETokenizer, path: String) {
    let (fullPath, quickPath) = savedByChapter6
    let path = full && access(fullPath, F_OK) == 0 ? fullPath : quickPath
    do {
      return (try load(from: path), path)
    } catch {
      throw TokenizerFileError(
        path: path,
        reason: "\(error); Chapter 6 writes it: swift run -c release Chapter06 "
          + "(about 20 seconds)")
    }
  }
}
