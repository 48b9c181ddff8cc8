import Autograd
import Testing

@testable import Layers

@Suite("Optimisers and schedules")
struct OptimizerTests {
  /// A parameter with a chosen gradient.
  func parameter(_ value: Float, gradient: Float) -> Tensor {
    let p = Tensor([value], requiresGrad: true)
    (p * gradient).sum().backward()
    return p
  }

  @Test func adamWMatchesItsEquationsOnTwoHandComputedSteps() {
    let p = parameter(1, gradient: 0.5)
    let adam = AdamW(
      [ParameterGroup([("p", p)], weightDecay: 0.01)], beta1: 0.9,
      beta2: 0.999, epsilon: 1e-8)
    adam.step(learningRate: 0.1)
    // m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25: θ = 1 − 0.1·(0.5/0.5 + 0.01·1) = 0.899.
    #expect(Swift.abs(p.data[0] - 0.899) < 1e-6)
    p.zeroGrad()
    (p * -0.25).sum().backward()
    adam.step(learningRate: 0.1)
    // Second step, by the same equations in double precision.
    let m = 0.9 * 0.05 + 0.1 * -0.25, v = 0.999 * 0.00025 + 0.001 * 0.0625
    let mHat = m / (1 - 0.9 * 0.9), vHat = v / (1 - 0.999 * 0.999)
    let expected = 0.899 - 0.1 * (mHat / (vHat.squareRoot() + 1e-8) + 0.01 * 0.899)
    #expect(Swift.abs(Double(p.data[0]) - expected) < 1e-6)
    #expect(adam.stepCount == 2)
  }

  @Test func weightDecayIsDecoupledFromTheGradient() {
    // With a zero gradient Adam's step is zero, and only the decay acts: θ·(1 − ηλ).
    let p = parameter(2, gradient: 0)
    let adam = AdamW([ParameterGroup([("p", p)], weightDecay: 0.1)])
    adam.step(learningRate: 0.5)
    #expect(Swift.abs(p.data[0] - 2 * (1 - 0.05)) < 1e-6)
  }

  @Test func sgdWithMomentum() {
    let p = parameter(1, gradient: 2)
    let sgd = SGD([ParameterGroup([("p", p)])], momentum: 0.5)
    sgd.step(learningRate: 0.1)  // v = 2, θ = 1 − 0.2
    #expect(Swift.abs(p.data[0] - 0.8) < 1e-6)
    sgd.step(learningRate: 0.1)  // v = 0.5·2 + 2 = 3, θ = 0.8 − 0.3
    #expect(Swift.abs(p.data[0] - 0.5) < 1e-6)
  }

  @Test func groupsScaleTheLearningRate() {
    let fast = parameter(1, gradient: 1), slow = parameter(1, gradient: 1)
    let sgd = SGD(
      [
        ParameterGroup([("fast", fast)]),
        ParameterGroup([("slow", slow)], learningRateScale: 0.1),
      ], momentum: 0)
    sgd.step(learningRate: 1)
    #expect(fast.data[0] == 0)
    #expect(Swift.abs(slow.data[0] - 0.9) < 1e-6)
  }

  @Test func parametersWithoutGradientsAreLeftAlone() {
    let p = Tensor([3], requiresGrad: true)
    let adam = AdamW([ParameterGroup([("p", p)], weightDecay: 0.1)])
    adam.step(learningRate: 1)
    #expect(p.data[0] == 3)
  }

  @Test func clippingScalesToTheMaximumNorm() {
    let a = parameter(0, gradient: 3), b = parameter(0, gradient: 4)
    let norm = clipGradientNorm([a, b], maxNorm: 1)
    #expect(Swift.abs(norm - 5) < 1e-6)
    let clipped =
      (a.gradValues![0] * a.gradValues![0] + b.gradValues![0] * b.gradValues![0])
      .squareRoot()
    #expect(Swift.abs(clipped - 1) < 1e-5)
    let c = parameter(0, gradient: 0.3)
    clipGradientNorm([c], maxNorm: 1)
    #expect(c.gradValues![0] == 0.3)  // under the limit: untouched
  }

  @Test func warmupThenCosine() {
    let schedule = LearningRateSchedule(
      base: 1, warmupSteps: 10, totalSteps: 110,
      minimum: 0.1)
    #expect(Swift.abs(schedule(0) - 0.1) < 1e-6)
    #expect(Swift.abs(schedule(9) - 1) < 1e-6)
    #expect(Swift.abs(schedule(10) - 1) < 1e-6)
    #expect(Swift.abs(schedule(60) - 0.55) < 1e-5)  // halfway: the mean of 1 and 0.1
    #expect(Swift.abs(schedule(110) - 0.1) < 1e-6)
    #expect(Swift.abs(schedule(500) - 0.1) < 1e-6)
    let constant = LearningRateSchedule(
      base: 0.3, warmupSteps: 2, totalSteps: 10,
      shape: .constant)
    #expect(constant(1) == 0.3 && constant(7) == 0.3)
  }

  @Test func restartsBeginANewCycle() {
    // Two cycles of 50 steps: each warms up over 10, then decays to 0.1 at its end.
    let schedule = LearningRateSchedule(
      base: 1, warmupSteps: 10, totalSteps: 100, minimum: 0.1, restarts: [50])
    let single = LearningRateSchedule(
      base: 1, warmupSteps: 10, totalSteps: 50, minimum: 0.1)
    for step in 0..<50 {
      #expect(schedule(step) == single(step))
      #expect(schedule(50 + step) == single(step), "step \(50 + step)")
    }
    // Restarts outside the run are ignored.
    let outside = LearningRateSchedule(
      base: 1, warmupSteps: 10, totalSteps: 50, minimum: 0.1, restarts: [0, 50, 70])
    #expect((0..<50).allSatisfy { outside($0) == single($0) })
  }
}

@Suite("Weight averaging")
struct WeightAverageTests {
  @Test func followsTheFormulaAndSwapsBack() {
    let w = Tensor(shape: [2], data: [0, 10], requiresGrad: true)
    let average = WeightAverage([w], decay: 0.5)
    // Update 0: d = min(0.5, 1/10) = 0.1; update 1: d = min(0.5, 2/11); then 0.5.
    var expected: [Float] = [0, 10]
    for (step, value) in [Float(1), 2, 3, 4].enumerated() {
      w.assign([value, -value])
      average.update()
      let d = min(0.5, Float(1 + step) / Float(10 + step))
      expected = [d * expected[0] + (1 - d) * value, d * expected[1] - (1 - d) * value]
    }
    let seen = average.withAveragedWeights { w.data }
    #expect(zip(seen, expected).allSatisfy { abs($0 - $1) < 1e-6 })
    #expect(w.data == [4, -4])  // the trained weights are back
    #expect(average.updates == 4)
  }
}
