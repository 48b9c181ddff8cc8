import Foundation

/// The preface's generated parts: book/preface.md is prose with two markers, each on a
/// line of its own, that the build replaces with what it measured on this machine.
///
/// - `@chapter-times`: a table of every chapter's quick run as this build timed it;
/// - `@doctor`: what `Doctor` (the self-check to paste into a bug report) prints here.
enum Preface {
  static let timesFile = "book/build/chapter-times.md"

  /// The table of quick runs: (chapter, its title, seconds) per row.
  static func timesTable(
    _ runs: [(chapter: String, title: String, seconds: Double)]
  )
    -> String
  {
    var lines = [
      "| part | title | quick run, this build |",
      "|----------|----------------------------------------|------------|",
    ]
    for run in runs {
      let part =
        run.chapter.hasPrefix("Chapter")
        ? String(Int(run.chapter.dropFirst(7)) ?? 0)
        : String(run.chapter.dropFirst(8))
      let seconds =
        run.seconds < 10
        ? String(format: "%.1f s", run.seconds) : String(format: "%.0f s", run.seconds)
      lines.append("| \(part) | \(run.title) | \(seconds) |")
    }
    return lines.joined(separator: "\n")
  }

  /// A chapter's title: its Markdown's first level-one heading, without attributes.
  static func title(ofChapterMarkdown text: String) -> String {
    let line = text.split(separator: "\n").first { $0.hasPrefix("# ") } ?? "# ?"
    var title = String(line.dropFirst(2))
    if let brace = title.firstIndex(of: "{") { title = String(title[..<brace]) }
    return title.trimmed
  }

  /// book/preface.md with its markers replaced; the doctor's lines as a code block.
  static func expanded(_ text: String, times: String?, doctor: String) throws -> String {
    var found: Set<String> = []
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
      line -> String in
      switch String(line).trimmed {
      case "@chapter-times":
        found.insert("@chapter-times")
        return times
          ?? "*(This copy was built from an earlier build's pages: no times were taken.)*"
      case "@doctor":
        found.insert("@doctor")
        return "```\n" + doctor.trimmed + "\n```"
      default:
        return String(line)
      }
    }
    let missing = Set(["@chapter-times", "@doctor"]).subtracting(found)
    guard missing.isEmpty else {
      throw BookError(
        "book/preface.md has no line \(missing.sorted().joined(separator: ", "))")
    }
    return lines.joined(separator: "\n")
  }
}
