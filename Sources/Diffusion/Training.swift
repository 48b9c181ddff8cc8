import Autograd
import Layers

/// ε-prediction training and guided sampling for a conditional U-Net.
public struct DiffusionModel {
  public let net: UNet
  public let schedule: NoiseSchedule
  /// The condition a training example gets in place of its own with probability
  /// `dropProbability` (classifier-free guidance's "no condition"): [1, S, C_ctx],
  /// learned or fixed by the caller.
  public let nullCondition: Tensor
  public var dropProbability: Float

  public init(
    net: UNet, schedule: NoiseSchedule, nullCondition: Tensor,
    dropProbability: Float = 0.1
  ) {
    require(
      nullCondition.rank == 3 && nullCondition.shape[0] == 1,
      "DiffusionModel",
      "the null condition must be [1, S, C], got \(nullCondition.shape)")
    (self.net, self.schedule, self.nullCondition) = (net, schedule, nullCondition)
    self.dropProbability = dropProbability
  }

  // MARK: book:diffusion-loss
  /// The training loss for clean images `x0` [B, 3, H, W] with conditions [B, S, C]:
  /// draw t and ε per image, noise the images, and score the U-Net's prediction of ε
  /// by mean squared error. Each condition is replaced by the null one with probability
  /// `dropProbability`. `hook` is passed to the U-Net (MM-Interleaved's MMFS).
  public func loss(
    _ x0: Tensor, conditions: Tensor, hook: UNetHook? = nil,
    using generator: inout SeededGenerator
  ) -> Tensor {
    let b = x0.shape[0]
    let timesteps = (0..<b).map { _ in generator.nextInt(below: schedule.steps) }
    let noise = Tensor.normal(x0.shape, using: &generator)
    let noisy = schedule.noised(x0, at: timesteps, noise: noise)  // [B, 3, H, W]
    let dropped = (0..<b).map { _ in generator.nextUniform() < dropProbability }
    var context = conditions  // [B, S, C]
    if dropped.contains(true) {
      let keep = Tensor(
        shape: [b, 1, 1], data: dropped.map { $0 ? 0 : 1 })  // [B, 1, 1]
      context = conditions * keep + nullCondition * (1 - keep)
    }
    let predicted = net(noisy, timesteps: timesteps, context: context, hook: hook)
    return meanSquaredError(predicted, noise)
  }
  // MARK: end

  // MARK: book:diffusion-sample
  /// Images [B, 3, H, W] drawn with `steps` DDIM steps (η = 0 unless given) and
  /// guidance scale `guidance` (1: no guidance, the conditional model alone); the
  /// predicted clean image is clamped to `clip` at every step (nil: not at all).
  /// `steps` = T with η = 1 is DDPM's ancestral sampler. `observe` sees each step's
  /// timestep, x_t and predicted clean image, for figures. `hook` is passed to the
  /// U-Net; under guidance it sees the doubled batch [2B, …], unconditional half
  /// first, and must treat both halves alike (MM-Interleaved gives both the same MMFS
  /// features: only the condition tokens differ).
  public func sample(
    conditions: Tensor, height: Int, width: Int, steps: Int, guidance: Float = 1,
    eta: Float = 0, clip: ClosedRange<Float>? = -1...1, hook: UNetHook? = nil,
    using generator: inout SeededGenerator,
    observe: ((_ t: Int, _ x: Tensor, _ predictedClean: Tensor) -> Void)? = nil
  ) -> Tensor {
    let b = conditions.shape[0]
    var x = Tensor.normal(
      [b, net.configuration.imageChannels, height, width], using: &generator)
    let timesteps = schedule.ddimTimesteps(count: steps)
    let nulls = Tensor.concatenate(
      [Tensor](repeating: nullCondition, count: b), axis: 0)  // [B, S, C]
    return withoutGradient {
      for (i, t) in timesteps.enumerated() {
        var epsilon: Tensor
        if guidance == 1 || guidance == 0 {  // one prediction is enough
          let context = guidance == 1 ? conditions : nulls
          epsilon = net(
            x, timesteps: [Int](repeating: t, count: b), context: context, hook: hook)
        } else {
          // Both predictions in one batch: [2B, ...], unconditional first.
          let both = net(
            Tensor.concatenate([x, x], axis: 0),
            timesteps: [Int](repeating: t, count: 2 * b),
            context: Tensor.concatenate([nulls, conditions], axis: 0), hook: hook)
          epsilon = guidedNoise(
            unconditional: both.sliced(axis: 0, 0..<b),
            conditional: both.sliced(axis: 0, b..<(2 * b)), scale: guidance)
        }
        if let observe {
          observe(t, x, schedule.predictedClean(x, epsilon: epsilon, at: t))
        }
        let previous = i + 1 < timesteps.count ? timesteps[i + 1] : -1
        x = schedule.ddimStep(
          x, epsilon: epsilon, from: t, to: previous, eta: eta, clip: clip,
          using: &generator)
      }
      return x
    }
  }
  // MARK: end
}
