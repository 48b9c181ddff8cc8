import Notebook

/// A literate chapter split into prose and code cells, with source line numbers.
///
/// Prose is Swift markup comments, the Playground convention: lines starting with
/// `//:` and blocks from `/*:` to `*/`. Everything else is code. A cell's lines keep
/// their 1-based line numbers in `main.swift`, the numbers `show` reports.
struct LiterateSource {
  enum Cell: Equatable {
    case prose(String, lines: ClosedRange<Int>)
    case code(String, lines: ClosedRange<Int>)
  }

  let cells: [Cell]
  /// Line ranges of top-level declarations (func, struct, …): output must not come
  /// from inside them, because it would be placed under the wrong cell.
  let declarations: [ClosedRange<Int>]

  init(_ text: String) throws {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(
      String.init)
    var cells: [Cell] = []
    var prose: [String] = [], code: [String] = []
    var proseStart = 0, codeStart = 0
    var inBlock = false
    func flushCode() {
      if let first = code.firstIndex(where: { !$0.trimmed.isEmpty }),
        let last = code.lastIndex(where: { !$0.trimmed.isEmpty })
      {
        cells.append(
          .code(
            code[first...last].joined(separator: "\n"),
            lines: (codeStart + first)...(codeStart + last)))
      }
      code = []
    }
    func flushProse(before line: Int) {
      if !prose.isEmpty {
        cells.append(
          .prose(prose.joined(separator: "\n"), lines: proseStart...(line - 1)))
      }
      prose = []
    }
    for (index, line) in lines.enumerated() {
      let number = index + 1
      let trimmed = line.trimmed
      if inBlock {
        if trimmed.hasSuffix("*/") {
          let body = String(
            line.dropLast(
              line.count
                - (line.range(of: "*/")!.lowerBound
                  .utf16Offset(in: line))))
          if !body.trimmed.isEmpty { prose.append(body) }
          inBlock = false
        } else {
          prose.append(line)
        }
        continue
      }
      if trimmed.hasPrefix("/*:") || trimmed.hasPrefix("//:") {
        if prose.isEmpty {
          flushCode()
          proseStart = number
        } else if trimmed.hasPrefix("/*:"), prose.last?.trimmed.isEmpty == false {
          prose.append("")  // a new block is a new paragraph (a heading may open it)
        }
        if trimmed.hasPrefix("//:") {
          var body = String(trimmed.dropFirst(3))
          if body.hasPrefix(" ") { body.removeFirst() }
          prose.append(body)
        } else {
          let rest = String(trimmed.dropFirst(3))
          if rest.trimmed.hasSuffix("*/") {
            prose.append(String(rest.trimmed.dropLast(2)))
          } else {
            if !rest.trimmed.isEmpty { prose.append(rest) }
            inBlock = true
          }
        }
        continue
      }
      if !prose.isEmpty {
        if trimmed.isEmpty {  // a blank line between prose paragraphs stays prose
          prose.append("")
          continue
        }
        flushProse(before: number)
        codeStart = number
      }
      if code.isEmpty { codeStart = number }
      code.append(line)
    }
    guard !inBlock else { throw BookError("a /*: prose block is never closed") }
    flushProse(before: lines.count + 1)
    flushCode()
    self.cells = cells
    // Scan only code for declarations: prose such as "class t, …" is not Swift.
    var codeOnly = [String](repeating: "", count: lines.count)
    for case .code(_, let range) in cells {
      for number in range { codeOnly[number - 1] = lines[number - 1] }
    }
    self.declarations = LiterateSource.topLevelDeclarations(codeOnly)
  }

  /// The code cell holding `line`, by index into `cells`.
  func cellIndex(containing line: Int) -> Int? {
    cells.firstIndex {
      if case .code(_, let range) = $0 { return range.contains(line) }
      return false
    }
  }

  /// Top-level declarations found by counting braces (ignoring strings and comments).
  static func topLevelDeclarations(_ lines: [String]) -> [ClosedRange<Int>] {
    let keywords = [
      "func ", "struct ", "class ", "final class ", "enum ", "extension ",
      "private func ", "fileprivate func ", "@inline(__always) func ",
    ]
    var ranges: [ClosedRange<Int>] = []
    var depth = 0
    var start: Int?
    for (index, line) in lines.enumerated() {
      let code = line.withoutStringsAndComments
      if depth == 0, start == nil,
        keywords.contains(where: { line.trimmed.hasPrefix($0) })
      {
        start = index + 1
      }
      for character in code {
        if character == "{" { depth += 1 }
        if character == "}" { depth -= 1 }
      }
      if depth == 0, let s = start, code.contains("}") || code.contains("{") {
        ranges.append(s...(index + 1))
        start = nil
      }
    }
    return ranges
  }
}

extension String {
  /// The line with string literals and a trailing // comment removed (roughly: enough
  /// to count braces in the chapters' code).
  var withoutStringsAndComments: String {
    var result = ""
    var inString = false
    var previous: Character = " "
    for character in self {
      if !inString && character == "/" && previous == "/" {
        result.removeLast()
        break
      }
      if character == "\"" && previous != "\\" { inString.toggle() }
      if !inString && character != "\"" { result.append(character) }
      previous = character
    }
    return result
  }
}

struct BookError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
