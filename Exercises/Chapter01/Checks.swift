import Autograd
import Exercises
import Platform

/// Checkers for the exercises of Chapter 1. Each takes the reader's function and
/// tests it on values and gradients; none reveals the answer.
public enum Chapter01Checks {
  /// Exercise 1: softplus(x) = log(1 + eˣ) as one elementwise operation.
  public static func softplus(_ f: (Tensor) -> Tensor?) -> ExerciseResult {
    let x = Tensor([-100, -3, -0.5, 0, 0.7, 4, 100], requiresGrad: true)
    guard let y = f(x) else { return .notAttempted("Exercise 1") }
    var findings = Findings()
    let expected = x.data.map { v -> Double in
      let d = Double(v)
      return max(d, 0) + log1p(exp(-abs(d)))
    }
    findings.expect(y.shape == x.shape, "output shape \(y.shape) equals input shape")
    let finite = y.data.allSatisfy { $0.isFinite }
    findings.expect(finite, "finite for x = ±100")
    let worst = zip(y.data, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }
      .max()!
    findings.expect(
      worst < 1e-5, "values match log(1 + eˣ) (worst error \(formatted(worst)))")
    var generator = SeededGenerator(seed: 1)
    let probe = Tensor.uniform(
      [3, 4], low: -4, high: 4, using: &generator,
      requiresGrad: true)
    let report = checkGradients(at: [probe], using: &generator) { f($0[0]) ?? $0[0] }
    findings.expect(report.passed, "gradient check: \(report)")
    return findings.result
  }

  /// Exercise 2: log Σ exp along an axis, stable for large inputs.
  public static func logSumExp(_ f: (Tensor, Int) -> Tensor?) -> ExerciseResult {
    let x = Tensor([[1000, 1001, 1002], [-5, 0, 5]])
    guard let y = f(x, 1) else { return .notAttempted("Exercise 2") }
    var findings = Findings()
    findings.expect(y.count == 2, "reduces axis 1 of a [2, 3] tensor to 2 values")
    let expected = [
      1002 + log(1 + exp(-1.0) + exp(-2.0)),
      5 + log(1 + exp(-5.0) + exp(-10.0)),
    ]
    let close =
      y.count == 2
      && zip(y.data, expected).allSatisfy {
        abs(Double($0) - $1) <= 1e-6 * max(1, abs($1)) + 1e-4
      }
    findings.expect(close, "values exact for logits near 1000 (got \(y.data))")
    var generator = SeededGenerator(seed: 2)
    let probe = Tensor.uniform(
      [3, 5], low: -3, high: 3, using: &generator,
      requiresGrad: true)
    let report = checkGradients(at: [probe], using: &generator) {
      f($0[0], 0) ?? $0[0]
    }
    findings.expect(report.passed, "gradient check along axis 0: \(report)")
    return findings.result
  }

  /// Exercise 3: sum a gradient down to a shape that broadcasts to its shape.
  public static func sumToShape(
    _ f: (_ gradient: [Float], _ shape: [Int], _ target: [Int]) -> [Float]?
  ) -> ExerciseResult {
    let cases: [([Int], [Int])] = [
      ([2, 3], [3]), ([2, 3], [2, 1]), ([4, 2, 3], [2, 1]), ([2, 3, 4], [1, 3, 1]),
      ([3, 4], []), ([2, 3], [2, 3]),
    ]
    var findings = Findings()
    var generator = SeededGenerator(seed: 3)
    for (shape, target) in cases {
      let gradient = Tensor.uniform(shape, low: -1, high: 1, using: &generator)
      guard let answer = f(gradient.data, shape, target) else {
        return .notAttempted("Exercise 3")
      }
      let expected = reference(gradient, target)
      let ok =
        answer.count == expected.count
        && zip(answer, expected).allSatisfy { abs($0 - $1) < 1e-5 }
      findings.expect(ok, "\(shape) → \(target)")
    }
    return findings.result
  }

  /// The reference answer, from the library's own reductions.
  static func reference(_ gradient: Tensor, _ target: [Int]) -> [Float] {
    let lead = gradient.rank - target.count
    var axes = Array(0..<lead)
    for (i, size) in target.enumerated() where size == 1 && gradient.shape[lead + i] != 1
    {
      axes.append(lead + i)
    }
    return gradient.sum(axes: axes, keepingDims: false).data
  }

  /// Exercise 4: mean absolute error.
  public static func meanAbsoluteError(_ f: (Tensor, Tensor) -> Tensor?) -> ExerciseResult
  {
    let prediction = Tensor([[1, -2], [3, 0.5]], requiresGrad: true)
    let target = Tensor([[0, 0], [5, 0.5]])
    guard let loss = f(prediction, target) else { return .notAttempted("Exercise 4") }
    var findings = Findings()
    findings.expect(loss.count == 1, "returns one number")
    findings.expect(
      loss.count == 1 && abs(loss.data[0] - 1.25) < 1e-6,
      "value (|1| + |−2| + |−2| + 0)/4 = 1.25 (got \(loss.data))")
    var generator = SeededGenerator(seed: 4)
    var values = Tensor.uniform([3, 4], low: -2, high: 2, using: &generator).data
    for i in values.indices where abs(values[i]) < 0.1 { values[i] += 0.2 }
    let probe = Tensor(shape: [3, 4], data: values, requiresGrad: true)
    let report = checkGradients(at: [probe], using: &generator) {
      f($0[0], Tensor.zeros([3, 4])) ?? $0[0]
    }
    findings.expect(report.passed, "gradient check away from the kink: \(report)")
    return findings.result
  }
}
