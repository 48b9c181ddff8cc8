import Foundation

/// The teacher's edition's last appendix: for every chapter and appendix, the answers
/// to its questions (Exercises/Solutions/Answers.md) and the code of its exercises'
/// solutions (Exercises/Solutions/ChapterNN.swift), which the test suite holds to
/// the checkers.
enum Solutions {
  /// The appendix's Markdown, from the answers' text and a reader of solution files
  /// by part folder name ("Chapter05", "AppendixA"; nil where a part has none).
  static func markdown(
    answers: String, solutionCode: (String) -> String?
  ) throws -> String {
    let sections = answerSections(answers)
    guard !sections.isEmpty else {
      throw BookError("Exercises/Solutions/Answers.md has no '## Chapter N' sections")
    }
    var lines = [
      "# Solutions", "",
      "Answers to every chapter's questions, then the code of its exercises' solutions "
        + "as it is in `Exercises/Solutions/` (the test suite checks that each passes "
        + "its checker and that typical wrong answers do not). The projects are open: "
        + "their chapters say what to expect.", "",
    ]
    for (heading, body) in sections {
      lines += ["## \(heading)", "", "**Questions.**", "", body.trimmed, ""]
      if let code = solutionCode(folderName(heading)) {
        lines += [
          "**Exercises** (`Exercises/Solutions/\(folderName(heading)).swift`).", "",
          "```swift", code.trimmed, "```", "",
        ]
      }
    }
    return lines.joined(separator: "\n")
  }

  /// ("Chapter 5", its answers) for every "## " section of Answers.md.
  static func answerSections(_ text: String) -> [(heading: String, body: String)] {
    var sections: [(String, String)] = []
    var current: (String, [String])?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("## ") {
        if let (heading, body) = current {
          sections.append((heading, body.joined(separator: "\n")))
        }
        current = (String(line.dropFirst(3)).trimmed, [])
      } else if current != nil {
        current!.1.append(String(line))
      }
    }
    if let (heading, body) = current {
      sections.append((heading, body.joined(separator: "\n")))
    }
    return sections
  }

  /// "Chapter 5" → "Chapter05", "Appendix A" → "AppendixA".
  static func folderName(_ heading: String) -> String {
    let parts = heading.split(separator: " ")
    guard parts.count == 2 else { return heading }
    if let number = Int(parts[1]) {
      return String(parts[0]) + (number < 10 ? "0\(number)" : "\(number)")
    }
    return String(parts[0] + parts[1])
  }
}
