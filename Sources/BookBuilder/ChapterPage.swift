import Foundation
import Notebook

/// Turns one chapter's source and its marked output into Markdown for pandoc.
struct ChapterPage {
  let source: LiterateSource
  /// Output lines per code cell (by index into `source.cells`), each marked as program
  /// output or as Markdown (tables).
  private(set) var outputs: [Int: [(text: String, isMarkdown: Bool)]] = [:]
  /// Figures the prose shows, as written in the Markdown.
  private(set) var figures: [String] = []
  /// Regions the prose includes.
  private(set) var usedRegions: [String] = []

  /// Attributes each line of `transcript` to the code cell whose source line printed
  /// it. Lines look like "\u{1E}LINE\u{1F}text" (see `show` in Notebook).
  init(source: LiterateSource, transcript: String, chapter: String) throws {
    self.source = source
    for raw in transcript.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = String(raw)
      if line.isEmpty { continue }
      guard line.hasPrefix("\u{1E}"), let end = line.firstIndex(of: "\u{1F}"),
        let number = Int(line[line.index(after: line.startIndex)..<end])
      else {
        throw BookError(
          "\(chapter): output line \"\(line.prefix(60))\" was printed "
            + "without `show`; use show(...) so the book can place it")
      }
      if let declaration = source.declarations.first(where: { $0.contains(number) }) {
        throw BookError(
          "\(chapter): line \(number) prints from inside the declaration "
            + "at line \(declaration.lowerBound); return the text and `show` "
            + "it at top level so the book places it under the right cell")
      }
      guard let cell = source.cellIndex(containing: number) else {
        throw BookError("\(chapter): output from line \(number), which is not code")
      }
      var text = line[line.index(after: end)...]
      let isMarkdown = text.first == "\u{1D}"
      if isMarkdown { text = text.dropFirst() }
      outputs[cell, default: []].append((String(text), isMarkdown))
    }
  }

  /// The chapter as Markdown.
  mutating func markdown(regions: Regions) throws -> String {
    var parts: [String] = []
    for (index, cell) in source.cells.enumerated() {
      switch cell {
      case .prose(let text, _):
        parts.append(try prose(text, regions: regions))
      case .code(let code, _):
        parts.append("```swift\n\(code)\n```")
        if let lines = outputs[index] { parts += outputBlocks(lines) }
      }
    }
    return parts.joined(separator: "\n\n") + "\n"
  }

  /// Runs of program output become output blocks; runs of Markdown stay Markdown.
  func outputBlocks(_ lines: [(text: String, isMarkdown: Bool)]) -> [String] {
    var blocks: [String] = []
    var start = 0
    while start < lines.count {
      let kind = lines[start].isMarkdown
      var end = start
      while end < lines.count && lines[end].isMarkdown == kind { end += 1 }
      let run = lines[start..<end].map(\.text)
      let text = kind ? separatingTables(run) : run.joined(separator: "\n")
      blocks.append(kind ? literalTags(text) : "```{.output}\n" + text + "\n```")
      start = end
    }
    return blocks
  }

  /// Markdown lines joined, with a blank line before every table but the first: two
  /// tables printed one after the other would otherwise be read as one (the second's
  /// header a row of the first).
  func separatingTables(_ lines: [String]) -> String {
    var joined: [String] = []
    for (index, line) in lines.enumerated() {
      let next = index + 1 < lines.count ? lines[index + 1] : ""
      let startsTable = line.hasPrefix("|") && next.hasPrefix("|-")
      if startsTable && index > 0 && !lines[index - 1].trimmed.isEmpty {
        joined.append("")
      }
      joined.append(line)
    }
    return joined.joined(separator: "\n")
  }

  /// Prose with `@code(name)` lines replaced by the named region of library code.
  mutating func prose(_ text: String, regions: Regions) throws -> String {
    var lines: [String] = []
    var afterFullRun = false  // only blank lines since the last @fullrun
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let trimmed = String(line).trimmed
      defer { if !trimmed.isEmpty { afterFullRun = trimmed.hasPrefix("@fullrun(") } }
      if trimmed.hasPrefix("@code("), trimmed.hasSuffix(")") {
        let name = String(trimmed.dropFirst(6).dropLast())
        guard let region = regions.byName[name] else {
          throw BookError("@code(\(name)): no region `// MARK: book:\(name)` in Sources/")
        }
        usedRegions.append(name)
        lines.append(
          "::: {.listing}\n*\(region.file)*\n:::\n\n```\(region.language)\n"
            + "\(region.code)\n```")
      } else if trimmed.hasPrefix("@fullrun("), trimmed.hasSuffix(")") {
        // @fullrun(name) or @fullrun(name, the command that records it)
        let arguments = trimmed.dropFirst(9).dropLast().split(
          separator: ",", maxSplits: 1)
        lines.append(
          try fullRunRecord(
            String(arguments[0]).trimmed,
            recordedBy: arguments.count > 1 ? String(arguments[1]).trimmed : nil,
            introduced: !afterFullRun))
      } else {
        lines.append(String(line))
        figures += figureReferences(in: String(line))
      }
    }
    return lines.joined(separator: "\n")
  }

  /// The text a full run recorded as `Results/name.md` (see `Chapter.recordFullRun`),
  /// introduced as such unless it directly follows another record (`introduced`
  /// false). Its figures must exist, but are not rewritten by the quick run that builds
  /// the book. A record made by another command than the chapter's full run
  /// (`make bench-peer`) names it in `recordedBy`.
  func fullRunRecord(
    _ name: String, in folder: String = "Results", recordedBy command: String? = nil,
    introduced: Bool = true
  ) throws -> String {
    let path = "\(folder)/\(name).md"
    // ch05-… is Chapter 5's, appA-… Appendix A's.
    let executable =
      name.hasPrefix("app")
      ? "Appendix" + name.dropFirst(3).prefix(1) : "Chapter" + name.dropFirst(2).prefix(2)
    let recorder = command ?? "swift run -c release \(executable) --full"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw BookError(
        "@fullrun(\(name)): \(path) is missing; record it with `\(recorder)` and "
          + "commit it")
    }
    for figure in figureReferences(in: text)
    where !FileManager.default.fileExists(atPath: figure) {
      throw BookError(
        "@fullrun(\(name)) shows \(figure), which is missing; record it with "
          + "`\(recorder)` and commit it")
    }
    guard introduced else { return literalTags(text) }
    let heading =
      command.map { "**Measured by `\($0)`** (recorded in `\(path)`):" }
      ?? "**From the full run** (`\(executable) --full`, recorded in `\(path)`):"
    return heading + "\n\n" + literalTags(text)
  }

  /// Paths of Markdown images `![caption](path)` in a line.
  func figureReferences(in line: String) -> [String] {
    var found: [String] = []
    var rest = Substring(line)
    while let start = rest.range(of: "](") {
      let after = rest[start.upperBound...]
      guard let close = after.firstIndex(of: ")") else { break }
      let path = String(after[..<close])
      if path.hasSuffix(".png") { found.append(path) }
      rest = after[close...]
    }
    return found
  }
}

/// Table rows with `<` escaped where it would open an HTML tag: printed text holds
/// the tokenizer's `<pad>`, `<s>` and `</s>`, which pandoc would otherwise take for
/// HTML and drop from the PDF.
func literalTags(_ markdown: String) -> String {
  markdown.split(separator: "\n", omittingEmptySubsequences: false).map { line in
    guard line.hasPrefix("|") else { return String(line) }
    var escaped = ""
    var previous: Character = " "
    for (index, character) in zip(line.indices, line) {
      let next =
        line.index(after: index) < line.endIndex
        ? line[line.index(after: index)] : " "
      if character == "<" && previous != "\\" && (next.isLetter || next == "/") {
        escaped += "\\<"
      } else {
        escaped.append(character)
      }
      previous = character
    }
    return escaped
  }.joined(separator: "\n")
}
