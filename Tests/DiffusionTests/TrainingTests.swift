import Autograd
import Layers
import Testing

@testable import Diffusion

@Suite("Training a conditional diffusion model")
struct DiffusionTrainingTests {
  /// Two 4×4 "images", a bright top half and a bright left half, each with its own
  /// condition vector. A tiny U-Net trained briefly must then draw, for each
  /// condition, an image whose squared distance to its own pattern is less than half
  /// its distance to the other.
  @Test func learnsToDrawWhatTheConditionAsksFor() {
    var c = UNetConfiguration()
    (c.channels, c.attentionLevels, c.contextWidth) = ([8, 8], [0, 1], 4)
    (c.timeCodeWidth, c.timeWidth, c.heads, c.groups) = (8, 16, 2, 2)
    var g = SeededGenerator(seed: 1)
    let net = UNet(c, using: &g)
    let model = DiffusionModel(
      net: net, schedule: .linear(steps: 50, from: 1e-3, to: 0.2),
      nullCondition: Tensor.zeros([1, 1, 4]))
    let top: [Float] = (0..<16).map { $0 < 8 ? 1 : -1 }
    let left: [Float] = (0..<16).map { $0 % 4 < 2 ? 1 : -1 }
    let patterns = [top, left]
    let codes: [[Float]] = [[1, 0, 0, 0], [0, 1, 0, 0]]
    let optimizer = AdamW([ParameterGroup(net.namedParameters)])
    for step in 0..<400 {
      let labels = (0..<8).map { ($0 + step) % 2 }
      let images = Tensor(
        shape: [8, 3, 4, 4],
        data: labels.flatMap { l in (0..<3).flatMap { _ in patterns[l] } })
      let conditions = Tensor(shape: [8, 1, 4], data: labels.flatMap { codes[$0] })
      model.loss(images, conditions: conditions, using: &g).backward()
      optimizer.step(learningRate: 1e-2)
      optimizer.zeroGrad()
    }
    let drawn = model.sample(
      conditions: Tensor(shape: [2, 1, 4], data: codes.flatMap { $0 }), height: 4,
      width: 4,
      steps: 10, guidance: 2, using: &g)
    for label in 0..<2 {
      let image = Array(drawn.data[(label * 48)..<(label * 48 + 16)])  // red channel
      func distance(_ pattern: [Float]) -> Float {
        zip(image, pattern).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
      }
      #expect(
        distance(patterns[label]) < 0.5 * distance(patterns[1 - label]),
        "condition \(label): \(image)")
    }
  }

  @Test func droppedConditionsUseTheNullCondition() {
    var c = UNetConfiguration()
    (c.channels, c.attentionLevels, c.contextWidth) = ([4, 4], [1], 2)
    (c.timeCodeWidth, c.timeWidth, c.heads, c.groups) = (4, 4, 1, 2)
    var g = SeededGenerator(seed: 2)
    let net = UNet(c, using: &g)
    let null = Tensor.full([1, 1, 2], 7)
    var always = DiffusionModel(
      net: net, schedule: .linear(steps: 10), nullCondition: null, dropProbability: 1)
    let images = Tensor.normal([2, 3, 4, 4], using: &g)
    let conditions = Tensor.normal([2, 1, 2], using: &g)
    // With every condition dropped, the loss equals the loss of the null condition.
    var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
    let dropped = withoutGradient {
      always.loss(images, conditions: conditions, using: &a)
    }
    always.dropProbability = 0
    let nulls = Tensor.concatenate([null, null], axis: 0)
    let explicit = withoutGradient { always.loss(images, conditions: nulls, using: &b) }
    #expect(dropped.item == explicit.item)
  }

  /// The hook reaches the U-Net from the loss and from sampling, where guidance doubles
  /// the batch (unconditional half first). A hook that shifts the middle features
  /// changes both results; the sampler's hook sees 2B images under guidance and B
  /// without.
  @Test func theHookReachesTheUNetInTrainingAndSampling() {
    var c = UNetConfiguration()
    (c.channels, c.attentionLevels, c.contextWidth) = ([4, 4], [1], 2)
    (c.timeCodeWidth, c.timeWidth, c.heads, c.groups) = (4, 4, 1, 2)
    var g = SeededGenerator(seed: 3)
    let model = DiffusionModel(
      net: UNet(c, using: &g), schedule: .linear(steps: 10),
      nullCondition: Tensor.zeros([1, 1, 2]), dropProbability: 0)
    let images = Tensor.normal([3, 3, 4, 4], using: &g)
    let conditions = Tensor.normal([3, 1, 2], using: &g)
    var batches: [Int] = []
    let shift: UNetHook = { site, features in
      batches.append(features.shape[0])
      return site == .middle ? features + 1 : features
    }
    func loss(_ hook: UNetHook?) -> Float {
      var r = SeededGenerator(seed: 4)
      return withoutGradient {
        model.loss(images, conditions: conditions, hook: hook, using: &r).item
      }
    }
    #expect(loss(nil) != loss(shift))
    #expect(batches == [3, 3, 3])  // two skips and the middle
    func sample(_ guidance: Float, _ hook: UNetHook?) -> [Float] {
      var r = SeededGenerator(seed: 5)
      return model.sample(
        conditions: conditions, height: 4, width: 4, steps: 2, guidance: guidance,
        hook: hook, using: &r
      ).data
    }
    batches = []
    #expect(sample(3, nil) != sample(3, shift))
    #expect(batches == [Int](repeating: 6, count: 6))
    batches = []
    _ = sample(1, shift)
    #expect(batches == [Int](repeating: 3, count: 6))
  }
}

@Suite("What the U-Net predicts")
struct DiffusionTargetTests {
  /// A tiny model predicting `target`.
  func model(_ target: DiffusionTarget) -> DiffusionModel {
    var c = UNetConfiguration()
    (c.channels, c.attentionLevels, c.contextWidth) = ([4, 4], [1], 2)
    (c.timeCodeWidth, c.timeWidth, c.heads, c.groups) = (4, 4, 1, 2)
    var g = SeededGenerator(seed: 5)
    return DiffusionModel(
      net: UNet(c, using: &g), schedule: .linear(steps: 20),
      nullCondition: Tensor.zeros([1, 1, 2]), target: target)
  }

  @Test(arguments: DiffusionTarget.allCases)
  func theSamplerRecoversTheNoiseFromEachTarget(target: DiffusionTarget) {
    // The aim for (x0, ε) at t, read back as noise at x_t, is ε again.
    let diffusion = model(target)
    var g = SeededGenerator(seed: 6)
    for t in [0, 7, 19] {
      let x0 = Tensor.normal([2, 3, 4, 4], using: &g)
      let noise = Tensor.normal([2, 3, 4, 4], using: &g)
      let xt = diffusion.schedule.noised(x0, at: [t, t], noise: noise)
      let aim = diffusion.aim(x0: x0, noise: noise, at: [t, t])
      let recovered = diffusion.noise(from: aim, at: xt, step: t)
      let gap = zip(recovered.data, noise.data).map { abs($0 - $1) }.max()!
      // x0's conversion divides by √(1 − ᾱ_0) ≈ 0.01 at t = 0: allow its rounding.
      #expect(gap < (target == .cleanImage && t == 0 ? 1e-3 : 1e-5), "t = \(t): \(gap)")
    }
  }

  @Test func eachTargetAimsAtItsOwnQuantity() {
    var g = SeededGenerator(seed: 7)
    let x0 = Tensor.normal([2, 3, 4, 4], using: &g)
    let noise = Tensor.normal([2, 3, 4, 4], using: &g)
    #expect(model(.noise).aim(x0: x0, noise: noise, at: [3, 9]).data == noise.data)
    #expect(model(.cleanImage).aim(x0: x0, noise: noise, at: [3, 9]).data == x0.data)
    // v at the noisiest step is almost −x0, at the cleanest almost ε.
    let v = model(.velocity)
    let last = v.aim(x0: x0, noise: noise, at: [19, 19]).data
    let first = v.aim(x0: x0, noise: noise, at: [0, 0]).data
    let towardsMinusX0 = zip(last, x0.data).map { abs($0 + $1) }.max()!
    let towardsNoise = zip(first, noise.data).map { abs($0 - $1) }.max()!
    #expect(towardsNoise < 0.1 && towardsMinusX0 < zip(last, noise.data).map {
      abs($0 - $1)
    }.max()!)
  }
}
