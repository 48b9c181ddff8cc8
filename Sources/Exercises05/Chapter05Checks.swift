#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Autograd
import Exercises
import Synchronizer

/// Checkers for the exercises of Chapter 5.
public enum Chapter05Checks {
  /// Exercise 1: recency indices of one token's visibility row.
  public static func recency(_ recency: ([Bool]) -> [Int]?) -> ExerciseResult {
    guard recency([true]) != nil else { return .notAttempted("Exercise 1") }
    var findings = Findings()
    var generator = SeededGenerator(seed: 51)
    var wrong = 0
    for _ in 0..<200 {
      let row = (0..<(1 + generator.nextInt(below: 6))).map { _ in
        generator.nextUniform() < 0.6
      }
      if recency(row) != recencyIndices(row, images: row.count) { wrong += 1 }
    }
    findings.expect(
      wrong == 0, "200 random rows agree with the library (\(wrong) differ)")
    findings.expect(
      recency([true, false, true]) == [2, 0, 1],
      "[seen, unseen, seen] → [2, 0, 1]")
    return findings.result
  }

  /// Exercise 2: attention weights with a null slot of total mass 1 ("softmax plus one").
  public static func softmaxWithNullSlot(_ weights: (Tensor) -> Tensor?) -> ExerciseResult
  {
    var generator = SeededGenerator(seed: 52)
    let logits = Tensor.normal([3, 5], std: 2, using: &generator, requiresGrad: true)
    guard let w = weights(logits) else { return .notAttempted("Exercise 2") }
    var findings = Findings()
    var expected: [Float] = []
    for row in 0..<3 {
      let values = (0..<5).map { Double(logits[row, $0]) }
      let total = 1 + values.reduce(0) { $0 + exp($1) }
      expected += values.map { Float(exp($0) / total) }
    }
    let close = w.count == 15 && zip(w.data, expected).allSatisfy { abs($0 - $1) < 1e-5 }
    findings.expect(close, "values e^s / (1 + Σ e^s), row by row")
    let huge = weights(Tensor([[1000, 999]])).map { $0.data } ?? []
    findings.expect(huge.allSatisfy { $0.isFinite }, "finite for logits near 1000")
    let report = checkGradients(at: [logits], using: &generator) {
      weights($0[0]) ?? $0[0]
    }
    findings.expect(report.passed, "gradient check: \(report)")
    return findings.result
  }
}
