import Autograd
import Testing

@testable import Diffusion

@Suite("The diffusion noise schedule")
struct NoiseScheduleTests {
  @Test func linearAndCosineSchedules() {
    let linear = NoiseSchedule.linear()
    #expect(linear.steps == 200)
    #expect(Swift.abs(linear.betas[0] - 5e-4) < 1e-9)
    #expect(Swift.abs(linear.betas[199] - 0.1) < 1e-7)
    for schedule in [linear, NoiseSchedule.cosine()] {
      #expect(
        zip(schedule.alphaBars, schedule.alphaBars.dropFirst()).allSatisfy { $0 > $1 })
      #expect(schedule.alphaBars.allSatisfy { $0 > 0 && $0 < 1 })
      // By the last step almost nothing of the signal is left.
      #expect(schedule.alphaBars.last! < 0.01)
    }
  }

  /// Jumping to step t in closed form gives the same distribution as adding noise step
  /// by step: x_t = √α_t·x_{t−1} + √β_t·ε, checked on mean and variance.
  @Test func closedFormMatchesIteratingTheForwardProcess() {
    let schedule = NoiseSchedule.linear()
    let samples = 20_000
    let x0: Float = 0.8
    var g = SeededGenerator(seed: 3)
    var x = [Float](repeating: x0, count: samples)
    for t in 0..<schedule.steps {
      let (a, b) = ((1 - schedule.betas[t]).squareRoot(), schedule.betas[t].squareRoot())
      for i in x.indices { x[i] = a * x[i] + b * g.nextNormal() }
      guard [9, 49, 199].contains(t) else { continue }
      let closed = schedule.noised(
        Tensor.full([samples, 1], x0), at: [Int](repeating: t, count: samples),
        noise: Tensor.normal([samples, 1], using: &g))
      for values in [x, closed.data] {
        let mean = values.reduce(0, +) / Float(samples)
        let variance =
          values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(samples)
        let expectedVariance = 1 - schedule.alphaBars[t]
        let expectedMean = schedule.alphaBars[t].squareRoot() * x0
        // Four standard errors of the mean and of the variance of a normal sample.
        let meanError = 4 * (expectedVariance / Float(samples)).squareRoot()
        let varianceError = 4 * expectedVariance * (2 / Float(samples)).squareRoot()
        #expect(Swift.abs(mean - expectedMean) < meanError, "t = \(t): mean \(mean)")
        #expect(
          Swift.abs(variance - expectedVariance) < varianceError,
          "t = \(t): variance \(variance)")
      }
    }
  }

  @Test func ddpmMeanIsTheTruePosteriorMeanGivenTheTrueNoise() {
    let schedule = NoiseSchedule.linear()
    var g = SeededGenerator(seed: 4)
    let x0 = Tensor.normal([3, 4], using: &g), noise = Tensor.normal([3, 4], using: &g)
    for t in [1, 50, 199] {
      let xt = schedule.noised(x0, at: [t, t, t], noise: noise)
      let mean = schedule.ddpmMean(xt, epsilon: noise, at: t)
      // q(x_{t−1} | x_t, x_0) has mean c0·x_0 + ct·x_t (Ho et al., eq. 7).
      let (a, aPrev, beta) = (
        schedule.alphaBars[t], schedule.alphaBars[t - 1], schedule.betas[t]
      )
      let c0 = aPrev.squareRoot() * beta / (1 - a)
      let ct = (1 - beta).squareRoot() * (1 - aPrev) / (1 - a)
      let expected = x0 * c0 + xt * ct
      let worst = zip(mean.data, expected.data).map { Swift.abs($0 - $1) }.max()!
      #expect(worst < 1e-4, "t = \(t): largest difference \(worst)")
    }
  }

  /// With the noise a perfect model would predict, deterministic DDIM walks from pure
  /// noise back to the data exactly, in any number of steps.
  @Test func ddimWithAPerfectNoisePredictorRecoversTheData() {
    let schedule = NoiseSchedule.linear()
    var g = SeededGenerator(seed: 5)
    let x0 = Tensor.normal([2, 5], using: &g)
    for count in [1, 10, 50] {
      let timesteps = schedule.ddimTimesteps(count: count)
      #expect(timesteps.first == 199 && timesteps.last == (count == 1 ? 199 : 0))
      var x = schedule.noised(
        x0, at: [199, 199], noise: Tensor.normal([2, 5], using: &g))
      for (i, t) in timesteps.enumerated() {
        let a = schedule.alphaBars[t]
        let perfect = (x - x0 * a.squareRoot()) * (1 / (1 - a).squareRoot())
        let previous = i + 1 < timesteps.count ? timesteps[i + 1] : -1
        x = schedule.ddimStep(x, epsilon: perfect, from: t, to: previous, using: &g)
      }
      let worst = zip(x.data, x0.data).map { Swift.abs($0 - $1) }.max()!
      #expect(worst < 1e-3, "\(count) steps: largest difference \(worst)")
    }
  }

  @Test func ancestralStepAddsTheRightNoise() {
    let schedule = NoiseSchedule.linear()
    var g = SeededGenerator(seed: 6)
    let xt = Tensor.zeros([20_000]), epsilon = Tensor.zeros([20_000])
    let t = 100
    let step = schedule.ddpmStep(xt, epsilon: epsilon, at: t, using: &g)
    let variance = step.data.map { $0 * $0 }.reduce(0, +) / 20_000
    let expected =
      (1 - schedule.alphaBars[t - 1]) / (1 - schedule.alphaBars[t]) * schedule.betas[t]
    #expect(Swift.abs(variance - expected) < 4 * expected * (2.0 / 20_000).squareRoot())
    // The last step adds none.
    #expect(schedule.ddpmStep(xt, epsilon: epsilon, at: 0, using: &g).data == xt.data)
  }

  /// DDIM with η = 1 between consecutive steps is DDPM's ancestral step: the same mean
  /// and the same noise variance (so, with the same random draws, the same result).
  @Test func ddimWithEtaOneOnConsecutiveStepsIsDDPM() {
    let schedule = NoiseSchedule.linear()
    var g = SeededGenerator(seed: 7)
    let xt = Tensor.normal([64], using: &g), epsilon = Tensor.normal([64], using: &g)
    for t in [1, 37, 120, 199] {
      var a = SeededGenerator(seed: 8), b = SeededGenerator(seed: 8)
      let ddpm = schedule.ddpmStep(xt, epsilon: epsilon, at: t, using: &a)
      let ddim = schedule.ddimStep(
        xt, epsilon: epsilon, from: t, to: t - 1, eta: 1, using: &b)
      let worst = zip(ddpm.data, ddim.data).map { Swift.abs($0 - $1) }.max()!
      #expect(worst < 1e-4, "t = \(t): largest difference \(worst)")
    }
  }
}
