import Autograd
import Platform

/// How a chapter's printed output reaches the book.
///
/// A chapter prints with `show`, not `print`: `show` also knows the source line that
/// called it (`#line`, filled in at the call site). When the book builder runs a
/// chapter it sets `MMI_BOOK_MARKERS`, and every line is tagged with that source line,
/// so the builder can place each output right under the code cell that made it.
enum Transcript {
  static let marksLines = getenv("MMI_BOOK_MARKERS") != nil

  /// Prints `text`; in the book's marked mode each line carries the source line, and
  /// `markdown` lines a further mark so the book sets them as Markdown (a table), not
  /// as program output.
  static func emit(_ text: String, line: UInt, markdown: Bool = false) {
    guard marksLines else {
      print(text)
      return
    }
    for piece in text.split(separator: "\n", omittingEmptySubsequences: false) {
      print("\u{1E}\(line)\u{1F}" + (markdown ? "\u{1D}" : "") + piece)
    }
  }
}

// MARK: book:show
/// Prints `items` like `print`, with Floats and Doubles rounded to 4 significant
/// digits, and records the calling line for the book.
public func show(_ items: Any..., separator: String = " ", line: UInt = #line) {
  let text = items.map { item -> String in
    switch item {
    case let x as Float: formatted(x)
    case let x as Double: formatted(x)
    default: "\(item)"
    }
  }.joined(separator: separator)
  Transcript.emit(text, line: line)
}
// MARK: end

/// Prints a table of results: in a terminal as aligned Markdown, in the book as a
/// typeset table.
public func showTable(_ header: [String], _ rows: [[String]], line: UInt = #line) {
  Transcript.emit(markdownTable(header, rows), line: line, markdown: true)
}

/// A table as aligned Markdown (a pipe table).
public func markdownTable(_ header: [String], _ rows: [[String]]) -> String {
  let widths = header.indices.map { column in
    ([header] + rows).map { $0[column].count }.max() ?? 0
  }
  func row(_ cells: [String]) -> String {
    "| "
      + zip(cells, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }
      .joined(separator: " | ") + " |"
  }
  let rule =
    "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|")
    + "|"
  return ([row(header), rule] + rows.map(row)).joined(separator: "\n")
}

/// Prints a timing line. It starts with ⏱ so that tests comparing transcripts, and
/// readers comparing with the book, can set it aside: timings differ between runs.
public func showTiming(_ label: String, seconds: Double, line: UInt = #line) {
  Transcript.emit("⏱ \(label): \(formattedDuration(seconds))", line: line)
}

/// Prints a table of measurements (times, rates: they vary between runs): in the book
/// a typeset table; in a terminal each row starts with ⏱, so that transcript
/// comparisons set it aside as they do timing lines.
public func showMeasuredTable(
  _ header: [String], _ rows: [[String]], line: UInt = #line
) {
  let table = markdownTable(header, rows)
  if Transcript.marksLines {
    Transcript.emit(table, line: line, markdown: true)
  } else {
    for row in table.split(separator: "\n") { Transcript.emit("⏱ " + row, line: line) }
  }
}

/// Prints a measured rate or size that varies between runs ("⏱ label: value"), set
/// aside like timings.
public func showMeasurement(_ label: String, _ value: String, line: UInt = #line) {
  Transcript.emit("⏱ \(label): \(value)", line: line)
}

/// 1.234 s, 12.35 ms, 4.5 µs.
public func formattedDuration(_ seconds: Double) -> String {
  if seconds >= 1 { return formatted(seconds) + " s" }
  if seconds >= 1e-3 { return formatted(seconds * 1e3) + " ms" }
  return formatted(seconds * 1e6) + " µs"
}

extension DefaultStringInterpolation {
  /// `"\(rounded: loss)"`: a number to 4 significant digits inside a string.
  public mutating func appendInterpolation(rounded value: Float, digits: Int = 4) {
    appendLiteral(formatted(value, significantDigits: digits))
  }

  public mutating func appendInterpolation(rounded value: Double, digits: Int = 4) {
    appendLiteral(formatted(value, significantDigits: digits))
  }
}

/// Wall-clock seconds taken by `body` (a monotonic clock).
public func secondsTaken(_ body: () throws -> Void) rethrows -> Double {
  try ContinuousClock().measure(body).seconds
}

/// The fastest of `repeats` runs: the least disturbed by the rest of the machine.
public func bestSeconds(repeats: Int, _ body: () -> Void) -> Double {
  (0..<max(repeats, 1)).map { _ in secondsTaken(body) }.min()!
}

extension String {
  /// The string without leading and trailing whitespace (Foundation-free).
  public var trimmed: String {
    var s = Substring(self)
    while let c = s.first, c.isWhitespace { s.removeFirst() }
    while let c = s.last, c.isWhitespace { s.removeLast() }
    return String(s)
  }
}

/// Token pieces joined by "|" in lines of at most `width` characters, broken only
/// between tokens (a line break inside a token would misrepresent it).
public func tokenLines(_ pieces: [String], width: Int = 78) -> [String] {
  var lines: [String] = [], line = ""
  for piece in pieces {
    let next = line.isEmpty ? piece : line + "|" + piece
    if next.count > width && !line.isEmpty {
      lines.append(line + "|")
      line = piece
    } else {
      line = next
    }
  }
  return lines + [line]
}

/// A share as a percentage with three significant digits: "41.7 %" ("–" for NaN).
public func percent(_ share: Double) -> String {
  share.isNaN ? "–" : "\(rounded: share * 100, digits: 3) %"
}
