import Autograd
import Exercises
import Resampler

/// Checkers for the exercises of Chapter 4.
public enum Chapter04Checks {
  /// Exercise 1: the number of parameters of a Perceiver Resampler.
  public static func parameterCount(
    _ count: (_ tokens: Int, _ width: Int, _ layers: Int) -> Int?
  ) -> ExerciseResult {
    guard count(8, 64, 2) != nil else { return .notAttempted("Exercise 1") }
    var findings = Findings()
    var generator = SeededGenerator(seed: 41)
    for (tokens, width, layers) in [(8, 64, 2), (32, 16, 1), (4, 8, 3)] {
      let truth = PerceiverResampler(
        tokens: tokens, width: width, layers: layers, heads: 2,
        using: &generator
      ).parameterCount
      let answer = count(tokens, width, layers) ?? -1
      findings.expect(
        answer == truth,
        "K = \(tokens), C = \(width), \(layers) layers: "
          + "\(answer), the library counts \(truth)")
    }
    return findings.result
  }

  /// Exercise 2: a fixed bottleneck that averages groups of consecutive tokens.
  public static func averagedTokens(_ average: (Tensor, Int) -> Tensor?) -> ExerciseResult
  {
    var generator = SeededGenerator(seed: 42)
    let tokens = Tensor.normal([2, 8, 3], using: &generator, requiresGrad: true)
    guard let pooled = average(tokens, 2) else { return .notAttempted("Exercise 2") }
    var findings = Findings()
    findings.expect(pooled.shape == [2, 2, 3], "shape \(pooled.shape) is [2, 2, 3]")
    var expected: [Float] = []
    for b in 0..<2 {
      for k in 0..<2 {
        for c in 0..<3 {
          let group = (0..<4).map { tokens[b, k * 4 + $0, c] }
          expected.append(group.reduce(0, +) / 4)
        }
      }
    }
    let close =
      pooled.count == expected.count
      && zip(pooled.data, expected).allSatisfy { abs($0 - $1) < 1e-6 }
    findings.expect(close, "each output token is the mean of 4 consecutive tokens")
    let report = checkGradients(at: [tokens], using: &generator) {
      average($0[0], 2) ?? $0[0]
    }
    findings.expect(report.passed, "gradient check: \(report)")
    return findings.result
  }
}
