import Autograd
import Exercises
import Exercises01
import Platform
import Solutions
import Testing

@Suite("Chapter 1 exercises: checkers pass solutions and fail wrong answers")
struct Chapter01Exercises {
  @Test func softplus() {
    #expect(Chapter01Checks.softplus(Chapter01Solutions.softplus).passed)
    #expect(!Chapter01Checks.softplus { _ in nil }.passed)
    // Right values, wrong derivative (forgets the chain rule through eˣ).
    #expect(
      !Chapter01Checks.softplus {
        $0.map(
          "bad", { v in max(v, 0) + log1pf(expf(-abs(v))) },
          derivative: { _, y in 1 / (1 + y) })
      }.passed)
    // Literal formula: overflows at x = 100.
    #expect(!Chapter01Checks.softplus { ($0.exp() + 1).log() }.passed)
  }

  @Test func logSumExp() {
    #expect(
      Chapter01Checks.logSumExp { Chapter01Solutions.logSumExp($0, axis: $1) }.passed)
    #expect(!Chapter01Checks.logSumExp { _, _ in nil }.passed)
    #expect(
      !Chapter01Checks.logSumExp { x, axis in x.exp().sum(axis: axis).log() }.passed)
  }

  @Test func sumToShape() {
    #expect(
      Chapter01Checks.sumToShape {
        Chapter01Solutions.sumToShape($0, shape: $1, target: $2)
      }.passed)
    #expect(!Chapter01Checks.sumToShape { _, _, _ in nil }.passed)
    // Takes the first copy instead of summing.
    #expect(
      !Chapter01Checks.sumToShape { g, _, target in
        Array(g.prefix(target.reduce(1, *)))
      }.passed)
  }

  @Test func meanAbsoluteError() {
    #expect(
      Chapter01Checks.meanAbsoluteError(Chapter01Solutions.meanAbsoluteError).passed)
    #expect(!Chapter01Checks.meanAbsoluteError { _, _ in nil }.passed)
    #expect(!Chapter01Checks.meanAbsoluteError { p, t in (p - t).abs().sum() }.passed)
  }
}

@Suite("Exercise dispatch")
struct ExerciseDispatch {
  @Test func runsTheNumberedCheckerAndRejectsOthers() {
    let passing = { ExerciseResult(passed: true, findings: []) }
    let failing = { ExerciseResult(passed: false, findings: []) }
    #expect(runExercise(1, chapter: 9, [passing, failing]))
    #expect(!runExercise(2, chapter: 9, [passing, failing]))
    #expect(!runExercise(3, chapter: 9, [passing, failing]))
    #expect(!runExercise(0, chapter: 9, [passing, failing]))
  }
}
