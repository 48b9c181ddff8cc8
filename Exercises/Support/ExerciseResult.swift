/// The verdict of an exercise checker: passed or not, and what it found.
public struct ExerciseResult: CustomStringConvertible, Sendable {
  public let passed: Bool
  public let findings: [String]

  public init(passed: Bool, findings: [String]) {
    self.passed = passed
    self.findings = findings
  }

  public static func notAttempted(_ exercise: String) -> ExerciseResult {
    ExerciseResult(passed: false, findings: [
      "\(exercise): not attempted yet (the stub returns nil); fill it in and run again."
    ])
  }

  public var description: String {
    (findings + [passed ? "PASSED" : "NOT PASSED"]).joined(separator: "\n")
  }
}

/// Collects findings while a checker runs.
public struct Findings {
  public var lines: [String] = []
  public var passed = true

  public init() {}

  public mutating func expect(_ condition: Bool, _ what: String) {
    lines.append((condition ? "  ok      " : "  NOT OK  ") + what)
    if !condition { passed = false }
  }

  public var result: ExerciseResult { ExerciseResult(passed: passed, findings: lines) }
}

/// Runs checker `number` (1-based) of a chapter's `checkers`, prints its verdict, and
/// says whether it passed: what `--check-exercise N` does in every chapter.
public func runExercise(
  _ number: Int, chapter: Int, _ checkers: [() -> ExerciseResult]
) -> Bool {
  let executable = "Chapter" + (chapter < 10 ? "0\(chapter)" : "\(chapter)")
  return runExercise(
    number, of: "Chapter \(chapter)", executable: executable, checkers)
}

/// The same for any part of the book, named as in messages ("Appendix A") and by its
/// executable ("AppendixA").
public func runExercise(
  _ number: Int, of name: String, executable: String,
  _ checkers: [() -> ExerciseResult]
) -> Bool {
  guard checkers.indices.contains(number - 1) else {
    print("\(name) has exercises 1 to \(checkers.count); there is no exercise "
          + "\(number). Check one with: swift run -c release \(executable) "
          + "--check-exercise "
          + "\(checkers.count == 1 ? "1" : "N (N from 1 to \(checkers.count))").")
    return false
  }
  let result = checkers[number - 1]()
  print("Exercise \(number):\n\(result)")
  return result.passed
}
