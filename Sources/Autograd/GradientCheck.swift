// MARK: book:gradcheck
/// The result of comparing backward's gradients with finite differences.
public struct GradientCheckReport: CustomStringConvertible, Sendable {
  /// Largest |analytic − numeric| over all checked values.
  public var maxAbsoluteError: Float
  /// That error relative to the larger of the two magnitudes (at least 1e-3).
  public var maxRelativeError: Float
  public var checkedValues: Int
  public var passed: Bool

  public var description: String {
    (passed ? "OK    " : "NOT OK") + " max abs error "
      + formatted(maxAbsoluteError, significantDigits: 2)
      + ", max rel error " + formatted(maxRelativeError, significantDigits: 2)
      + " over \(checkedValues) values"
  }
}

// MARK: end
// MARK: book:gradcheck-run
/// Checks `function`'s backward at `inputs` against central differences.
///
/// The output is projected on a fixed random direction R, giving the scalar
/// L = Σ R·f(x): a bug confined to some output elements cannot cancel out, and one
/// backward call gives every dL/dx. For each input value x the numeric derivative is
/// (L(x + ε) − L(x − ε)) / 2ε, whose error is ε²·L‴/6 (Taylor) plus the rounding
/// error of L divided by ε.
///
/// Tolerances for Float32 (unit round-off u ≈ 6e-8). With ε = 1e-2 and O(1) values,
/// the rounding term is about u·|L|/ε ≈ 1e-5·|L| and the Taylor term about 2e-5·L‴.
/// A value passes when |analytic − numeric| ≤ 1e-3 + 1e-2·max(|analytic|, |numeric|):
/// ten to a hundred times those errors, yet a gradient off by 5% in one entry, or a
/// missing term, fails.
///
/// Each value costs two evaluations of `function`; for a whole model, `sampledValues`
/// checks that many values of each input, drawn at random (all of them by default).
public func checkGradients(
  at inputs: [Tensor], epsilon: Float = 1e-2,
  absoluteTolerance: Float = 1e-3, relativeTolerance: Float = 1e-2,
  sampledValues: Int? = nil, using generator: inout SeededGenerator,
  _ function: ([Tensor]) -> Tensor
) -> GradientCheckReport {
  for input in inputs {
    require(
      input.isLeaf && input.requiresGrad, "checkGradients",
      "inputs must be leaves made with requiresGrad: true")
    input.zeroGrad()
  }
  let output = function(inputs)
  let direction = (0..<output.count).map { _ in generator.uniform(-1, 1) }
  output.backward(gradient: direction)
  let analytic = inputs.map { $0.gradValues ?? [Float](repeating: 0, count: $0.count) }

  // MARK: end
  // MARK: book:gradcheck-numeric
  func projectedOutput() -> Double {
    let y = withoutGradient { function(inputs) }
    return zip(y.data, direction).reduce(0) { $0 + Double($1.0) * Double($1.1) }
  }
  var report = GradientCheckReport(
    maxAbsoluteError: 0, maxRelativeError: 0, checkedValues: 0, passed: true)
  for (input, gradient) in zip(inputs, analytic) {
    var checked = Array(0..<input.count)
    if let sampledValues, sampledValues < input.count {
      var remaining = checked
      checked = (0..<sampledValues).map { _ in
        remaining.remove(at: generator.nextInt(below: remaining.count))
      }
    }
    for i in checked {
      let original = input.data[i]
      input.withUnsafeMutableData { $0[i] = original + epsilon }
      let plus = projectedOutput()
      input.withUnsafeMutableData { $0[i] = original - epsilon }
      let minus = projectedOutput()
      input.withUnsafeMutableData { $0[i] = original }
      let numeric = Float((plus - minus) / (2 * Double(epsilon)))
      let error = Swift.abs(gradient[i] - numeric)
      let scale = Swift.max(Swift.abs(gradient[i]), Swift.abs(numeric))
      report.maxAbsoluteError = Swift.max(report.maxAbsoluteError, error)
      report.maxRelativeError = Swift.max(
        report.maxRelativeError, error / Swift.max(scale, 1e-3))
      report.checkedValues += 1
      if !(error <= absoluteTolerance + relativeTolerance * scale) {
        report.passed = false
      }
    }
  }
  for input in inputs { input.zeroGrad() }
  return report
}
// MARK: end
