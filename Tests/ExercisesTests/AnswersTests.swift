import Foundation
import Testing

/// The numbered lines of `text` between the heading `start` and the next heading of the
/// same level or higher ("1. …", "12. …").
func numberedItems(in text: String, after start: String) -> [Int] {
  guard let range = text.range(of: start + "\n") else { return [] }
  var numbers: [Int] = []
  for line in text[range.upperBound...].split(separator: "\n") {
    if line.hasPrefix("#") { break }
    if let dot = line.firstIndex(of: "."), let number = Int(line[..<dot]) {
      numbers.append(number)
    }
  }
  return numbers
}

@Suite("The teacher's answer key")
struct AnswersTests {
  /// Tests run from the package root.
  let answers = (try? String(contentsOfFile: "Exercises/Solutions/Answers.md",
                             encoding: .utf8)) ?? ""

  /// (folder, heading in Answers.md) of every chapter and appendix.
  static let parts =
    (1...10).map { (String(format: "Chapter%02d", $0), "Chapter \($0)") }
    + [("AppendixA", "Appendix A"), ("AppendixB", "Appendix B")]

  @Test(arguments: parts)
  func everyQuestionHasOneAnswer(folder: String, heading: String) throws {
    let path = "Chapters/\(folder)/main.swift"
    let page = try String(contentsOfFile: path, encoding: .utf8)
    let questions = numberedItems(in: page, after: "## Questions")
    let given = numberedItems(in: answers, after: "## \(heading)")
    #expect(!questions.isEmpty, "\(path) has no questions")
    #expect(
      given == questions,
      "\(heading): questions \(questions), answers \(given) in Answers.md")
  }
}
