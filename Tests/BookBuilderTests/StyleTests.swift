import Foundation
import Testing

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite("House style")
struct HouseStyle {
  /// Every Swift file of the book's code, as (path from the root, text).
  func swiftFiles() throws -> [(path: String, text: String)] {
    try ["Sources", "Chapters", "Tests", "Exercises"].flatMap { folder in
      let base = repositoryRoot.appendingPathComponent(folder)
      let files =
        FileManager.default.enumerator(atPath: base.path)?
        .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
      return try files.map { file in
        (
          "\(folder)/\(file)",
          try String(contentsOf: base.appendingPathComponent(file), encoding: .utf8)
        )
      }
    }
  }

  /// Every Swift line fits the printed page (STYLE.md: lines ≤ 90 columns).
  @Test func linesFitThePage() throws {
    var long: [String] = []
    for (path, text) in try swiftFiles() {
      for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false)
        .enumerated() where line.count > 90
      {
        long.append("\(path):\(number + 1) has \(line.count) columns")
      }
    }
    #expect(long.isEmpty, "\(long.joined(separator: "\n"))")
  }

  /// A chapter's page (its main.swift, printed whole in the book) shows ideas, not
  /// plumbing: drawing figures, timing loops and formatting tables live in the
  /// chapter's sibling files (STYLE.md, "What the page shows"). Training loops time
  /// themselves and draw their progress bars in the library's `Trainer`. Chapter 1
  /// is the exception that proves the rule: it times its own operations because
  /// measuring them is its subject, and it trains before the `Trainer` exists.
  @Test func pagesHoldNoPlumbing() throws {
    let plumbing = [
      "LineChart(", "Canvas(", "imageSheet(", ".fill(", ".dot(", "bestSeconds(",
      "secondsTaken", "ProgressBar(", "exit(", "writeToStandardError", "#if canImport",
    ]
    var found: [String] = []
    for chapter in (2...8).map({ "Chapter0\($0)" }) {
      let page = repositoryRoot.appendingPathComponent("Chapters/\(chapter)/main.swift")
      let text = try String(contentsOf: page, encoding: .utf8)
      for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false)
        .enumerated()
      {
        for word in plumbing where line.contains(word) {
          found.append("\(chapter)/main.swift:\(number + 1): \(word)")
        }
      }
    }
    #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
  }

  /// A figure's attributes (`{width=75%}`) must follow its image directly: on a line
  /// of their own, pandoc reads them as text, and the image loses its caption and
  /// figure number (a line ending in `\` inside a Swift string continues the line).
  @Test func figureAttributesFollowTheirImage() throws {
    var found: [String] = []
    for (path, text) in try swiftFiles() where path.hasPrefix("Chapters/") {
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
      for (number, line) in lines.enumerated() where number > 0 {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        let attribute = ["{width=", "{height=", "{#fig"].contains {
          trimmed.hasPrefix($0)
        }
        if attribute && !lines[number - 1].hasSuffix("\\") {
          found.append("\(path):\(number + 1): \(trimmed)")
        }
      }
    }
    #expect(found.isEmpty, "join the attributes to the image: \(found)")
  }

  /// The C library comes through one seam, Sources/Platform; no other file imports it.
  @Test func onlyPlatformImportsTheCLibrary() throws {
    // Spelt in two parts so that this file does not find itself.
    let found = try swiftFiles().filter { path, text in
      !path.hasPrefix("Sources/Platform/")
        && ["Glibc", "Darwin"].contains { text.contains("import " + $0) }
    }.map(\.path)
    #expect(found.isEmpty, "import Platform instead: \(found)")
  }
}
