import Autograd
import Exercises
import Layers

/// Checkers for the exercises of Chapter 2.
public enum Chapter02Checks {
  /// Exercise 1: one step of SGD with momentum on plain arrays, matching `SGD`.
  public static func momentumStep(
    _ step: (
      _ theta: inout [Float], _ velocity: inout [Float], _ gradient: [Float],
      _ learningRate: Float, _ momentum: Float
    ) -> Bool
  ) -> ExerciseResult {
    var findings = Findings()
    var theta: [Float] = [1, -2, 0.5], velocity: [Float] = [0, 0, 0]
    let parameter = Tensor(theta, requiresGrad: true)
    let reference = SGD([ParameterGroup([("p", parameter)])], momentum: 0.8)
    let gradients: [[Float]] = [[0.5, 1, -1], [0.25, -0.5, 2], [1, 1, 1]]
    for (i, gradient) in gradients.enumerated() {
      guard step(&theta, &velocity, gradient, 0.1, 0.8) else {
        return .notAttempted("Exercise 1")
      }
      parameter.zeroGrad()
      (parameter * Tensor(gradient)).sum().backward()
      reference.step(learningRate: 0.1)
      let close = zip(theta, parameter.data).allSatisfy { abs($0 - $1) < 1e-6 }
      findings.expect(close, "step \(i + 1): θ = \(theta), SGD gives \(parameter.data)")
    }
    return findings.result
  }

  /// Exercise 2: 2×2 max pooling of [B, C, H, W] from library operations.
  public static func maxPool(_ pool: (Tensor) -> Tensor?) -> ExerciseResult {
    var generator = SeededGenerator(seed: 21)
    let x = Tensor.normal([2, 3, 4, 6], using: &generator, requiresGrad: true)
    guard let y = pool(x) else { return .notAttempted("Exercise 2") }
    var findings = Findings()
    findings.expect(y.shape == [2, 3, 2, 3], "output shape \(y.shape) is [2, 3, 2, 3]")
    var expected: [Float] = []
    for plane in 0..<6 {
      for row in 0..<2 {
        for column in 0..<3 {
          let base = plane * 24 + row * 2 * 6 + column * 2
          expected.append(
            max(
              max(x.data[base], x.data[base + 1]),
              max(x.data[base + 6], x.data[base + 7])))
        }
      }
    }
    findings.expect(y.data == expected, "values are the maxima of each 2×2 window")
    let report = checkGradients(at: [x], using: &generator) { pool($0[0]) ?? $0[0] }
    findings.expect(report.passed, "gradient check: \(report)")
    return findings.result
  }

  /// Exercise 3: the inverse-square-root schedule of the original Transformer.
  public static func inverseSquareRoot(
    _ schedule: (_ step: Int, _ base: Float, _ warmup: Int) -> Float?
  ) -> ExerciseResult {
    guard schedule(0, 1, 4) != nil else { return .notAttempted("Exercise 3") }
    var findings = Findings()
    let cases: [(Int, Float)] = [(0, 0.25), (1, 0.5), (3, 1), (15, 0.5), (63, 0.25)]
    for (step, expected) in cases {
      let value = schedule(step, 1, 4) ?? .nan
      findings.expect(
        abs(value - expected) < 1e-6, "step \(step): \(value), expected \(expected)")
    }
    return findings.result
  }

  /// Exercise 4: layer normalisation (no gain or bias) from library operations.
  public static func layerNormalisation(
    _ normalise: (Tensor, Float) -> Tensor?
  )
    -> ExerciseResult
  {
    var generator = SeededGenerator(seed: 22)
    let x = Tensor.normal([3, 5], mean: 2, std: 3, using: &generator, requiresGrad: true)
    guard let y = normalise(x, 1e-5) else { return .notAttempted("Exercise 4") }
    var findings = Findings()
    let reference = LayerNorm(5)(x)
    findings.expect(y.shape == x.shape, "shape \(y.shape) equals the input's")
    let close =
      y.shape == x.shape && zip(y.data, reference.data).allSatisfy { abs($0 - $1) < 1e-5 }
    findings.expect(close, "values match LayerNorm with gain 1 and bias 0")
    let report = checkGradients(at: [x], using: &generator) {
      normalise($0[0], 1e-5) ?? $0[0]
    }
    findings.expect(report.passed, "gradient check: \(report)")
    return findings.result
  }
}
