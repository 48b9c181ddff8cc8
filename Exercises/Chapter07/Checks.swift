import Autograd
import Diffusion
import Exercises
import Platform

/// Checkers for the exercises of Chapter 7. Each compares the reader's answer with the
/// Diffusion library on hand-made and random cases.
public enum Chapter07Checks {
  /// The largest absolute difference of two equally long arrays (infinity otherwise).
  static func worst(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
  }

  /// Exercise 1: x_t in closed form, with 0-based t.
  public static func noised(
    _ noised: (_ x0: [Float], _ noise: [Float], _ betas: [Float], _ t: Int) -> [Float]?
  ) -> ExerciseResult {
    guard noised([1], [0], [0.5], 0) != nil else { return .notAttempted("Exercise 1") }
    var findings = Findings()
    // β = [0.5, 0.5]: ᾱ_0 = 0.5, ᾱ_1 = 0.25, so x_1 = 0.5·x0 + √0.75·ε.
    let hand = noised([2], [1], [0.5, 0.5], 1) ?? []
    findings.expect(
      worst(hand, [1 + Float(0.75).squareRoot()]) < 1e-5,
      "β = [0.5, 0.5], x0 = 2, ε = 1, t = 1: ᾱ_1 = 0.25, so x_1 = 1 + √0.75 ≈ 1.866"
        + " (got \(hand))")
    let first = noised([2], [1], [0.5, 0.5], 0) ?? []
    findings.expect(
      worst(first, [3 * Float(0.5).squareRoot()]) < 1e-5,
      "t = 0 is already one step of noise: ᾱ_0 = 1 − β_0 (got \(first))")
    var generator = SeededGenerator(seed: 71)
    let schedule = NoiseSchedule.linear()
    var wrong = 0
    for _ in 0..<50 {
      let x0 = (0..<6).map { _ in generator.nextNormal() }
      let noise = (0..<6).map { _ in generator.nextNormal() }
      let t = generator.nextInt(below: schedule.steps)
      let expected = schedule.noised(
        Tensor(shape: [1, 6], data: x0), at: [t],
        noise: Tensor(shape: [1, 6], data: noise))
      if worst(noised(x0, noise, schedule.betas, t) ?? [], expected.data) > 1e-4 {
        wrong += 1
      }
    }
    findings.expect(
      wrong == 0, "50 random cases on MMI-Tiny's schedule (\(wrong) differ)")
    return findings.result
  }

  /// Exercise 2: one deterministic DDIM step (η = 0, no clipping).
  public static func ddimStep(
    _ step: (
      _ x: [Float], _ epsilon: [Float], _ alphaBarNow: Float, _ alphaBarBefore: Float
    ) -> [Float]?
  ) -> ExerciseResult {
    guard step([1], [0], 0.5, 0.9) != nil else { return .notAttempted("Exercise 2") }
    var findings = Findings()
    // ᾱ = 0.5 → 1: with ε = 0 the clean image is x/√0.5.
    let clean = step([1], [0], 0.5, 1) ?? []
    findings.expect(
      worst(clean, [1 / Float(0.5).squareRoot()]) < 1e-5,
      "ᾱ_before = 1 lands on the predicted clean image x0 = (x − √(1−ᾱ)·ε)/√ᾱ")
    let same = step([0.3, -1], [0.2, 0.4], 0.7, 0.7) ?? []
    findings.expect(
      worst(same, [0.3, -1]) < 1e-5, "a step to the same level changes nothing")
    let schedule = NoiseSchedule.linear()
    var generator = SeededGenerator(seed: 72)
    var wrong = 0
    for _ in 0..<50 {
      let x = (0..<5).map { _ in generator.nextNormal() }
      let epsilon = (0..<5).map { _ in generator.nextNormal() }
      let t = 1 + generator.nextInt(below: schedule.steps - 1)
      let previous = generator.nextInt(below: t)
      let expected = schedule.ddimStep(
        Tensor(shape: [5], data: x), epsilon: Tensor(shape: [5], data: epsilon), from: t,
        to: previous, using: &generator)
      let answer = step(x, epsilon, schedule.alphaBars[t], schedule.alphaBars[previous])
      if worst(answer ?? [], expected.data) > 1e-4 { wrong += 1 }
    }
    findings.expect(
      wrong == 0, "50 random steps against NoiseSchedule.ddimStep (\(wrong) differ)")
    return findings.result
  }

  /// Exercise 3: the sinusoidal timestep code.
  public static func timeCode(
    _ code: (_ t: Int, _ width: Int) -> [Float]?
  )
    -> ExerciseResult
  {
    guard code(0, 2) != nil else { return .notAttempted("Exercise 3") }
    var findings = Findings()
    findings.expect(
      code(0, 4) == [0, 0, 1, 1], "t = 0: sines 0 (first half), cosines 1 (second half)")
    let one = code(1, 2) ?? []
    findings.expect(
      worst(one, [sinf(1), cosf(1)]) < 1e-6, "width 2 has one frequency, ω = 1")
    var wrong = 0
    for t in [3, 17, 80, 199] {
      for width in [8, 32] {
        let expected = timestepEmbedding([t], width: width).data
        if worst(code(t, width) ?? [], expected) > 1e-4 { wrong += 1 }
      }
    }
    findings.expect(wrong == 0, "t = 3, 17, 80, 199 at widths 8 and 32 (\(wrong) differ)")
    return findings.result
  }

  /// Exercise 4: the Fréchet distance of Gaussians with diagonal covariances.
  public static func diagonalFrechet(
    _ distance: (
      _ meanA: [Double], _ varianceA: [Double], _ meanB: [Double], _ varianceB: [Double]
    ) -> Double?
  ) -> ExerciseResult {
    guard distance([0], [1], [0], [1]) != nil else { return .notAttempted("Exercise 4") }
    var findings = Findings()
    findings.expect(
      abs((distance([1, 2], [4, 1], [1, 2], [4, 1]) ?? -1)) < 1e-9,
      "a distribution is at distance 0 from itself")
    findings.expect(
      abs((distance([0], [4], [0], [1]) ?? -1) - 1) < 1e-9,
      "standard deviations 2 and 1, equal means: (2 − 1)² = 1")
    findings.expect(
      abs((distance([3], [1], [0], [1]) ?? -1) - 9) < 1e-9,
      "equal spreads, means 3 apart: 3² = 9")
    var generator = SeededGenerator(seed: 74)
    var wrong = 0
    for _ in 0..<50 {
      let d = 1 + generator.nextInt(below: 6)
      let meanA = (0..<d).map { _ in Double(generator.nextNormal()) }
      let meanB = (0..<d).map { _ in Double(generator.nextNormal()) }
      let varianceA = (0..<d).map { _ in Double(0.1 + generator.nextUniform()) }
      let varianceB = (0..<d).map { _ in Double(0.1 + generator.nextUniform()) }
      func diagonal(_ v: [Double]) -> [Double] {
        (0..<(d * d)).map { $0 / d == $0 % d ? v[$0 / d] : 0 }
      }
      let expected = frechetDistance(
        FeatureStatistics(mean: meanA, covariance: diagonal(varianceA)),
        FeatureStatistics(mean: meanB, covariance: diagonal(varianceB)))
      let answer = distance(meanA, varianceA, meanB, varianceB) ?? .infinity
      if abs(answer - expected) > 1e-6 * max(1, abs(expected)) { wrong += 1 }
    }
    findings.expect(
      wrong == 0, "50 random pairs against frechetDistance (\(wrong) differ)")
    return findings.result
  }
}
