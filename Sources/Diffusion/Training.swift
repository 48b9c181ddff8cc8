import Autograd
import Layers

/// What the U-Net is trained to predict from x_t = a·x0 + s·ε (a = √ᾱ_t, s = √(1 − ᾱ_t)):
/// the noise ε (DDPM's choice and the book's default), the clean image x0, or the
/// velocity v = a·ε − s·x0 (Salimans and Ho). Each is the others in disguise at a given
/// x_t, but the loss weighs the timesteps differently, which changes what is learned.
public enum DiffusionTarget: String, Sendable, CaseIterable {
  case noise, cleanImage, velocity
}

/// Training (ε-prediction unless `target` says otherwise) and guided sampling for a
/// conditional U-Net.
public struct DiffusionModel {
  public let net: UNet
  public let schedule: NoiseSchedule
  /// The condition a training example gets in place of its own with probability
  /// `dropProbability` (classifier-free guidance's "no condition"): [1, S, C_ctx],
  /// learned or fixed by the caller.
  public let nullCondition: Tensor
  public var dropProbability: Float
  /// What the U-Net predicts (ε by default).
  public var target: DiffusionTarget

  public init(
    net: UNet, schedule: NoiseSchedule, nullCondition: Tensor,
    dropProbability: Float = 0.1, target: DiffusionTarget = .noise
  ) {
    require(
      nullCondition.rank == 3 && nullCondition.shape[0] == 1,
      "DiffusionModel",
      "the null condition must be [1, S, C], got \(nullCondition.shape)")
    (self.net, self.schedule, self.nullCondition) = (net, schedule, nullCondition)
    (self.dropProbability, self.target) = (dropProbability, target)
  }

  // MARK: book:diffusion-loss
  /// The training loss for clean images `x0` [B, 3, H, W] with conditions [B, S, C]:
  /// draw t and ε per image, noise the images, and score the U-Net's prediction of ε
  /// (or of what `target` names) by mean squared error. Each condition is replaced by
  /// the null one with probability `dropProbability`. `hook` is passed to the U-Net
  /// (MM-Interleaved's MMFS).
  public func loss(
    _ x0: Tensor, conditions: Tensor, hook: UNetHook? = nil,
    using generator: inout SeededGenerator
  ) -> Tensor {
    let b = x0.shape[0]
    let (timesteps, noise, dropped) = draws(for: x0.shape, using: &generator)
    let noisy = schedule.noised(x0, at: timesteps, noise: noise)  // [B, 3, H, W]
    var context = conditions  // [B, S, C]
    if dropped.contains(true) {
      let keep = Tensor(
        shape: [b, 1, 1], data: dropped.map { $0 ? 0 : 1 })  // [B, 1, 1]
      context = conditions * keep + nullCondition * (1 - keep)
    }
    let predicted = net(noisy, timesteps: timesteps, context: context, hook: hook)
    return meanSquaredError(predicted, aim(x0: x0, noise: noise, at: timesteps))
  }
  // MARK: end

  /// The random draws of one training step for images of `shape` ([B, …]), in the
  /// order `loss` takes them: a timestep per image, the noise, and whether each image's
  /// condition is dropped. (The PyTorch twin's parity check replays them.)
  public func draws(
    for shape: [Int], using generator: inout SeededGenerator
  ) -> (timesteps: [Int], noise: Tensor, dropped: [Bool]) {
    let b = shape[0]
    let timesteps = (0..<b).map { _ in generator.nextInt(below: schedule.steps) }
    let noise = Tensor.normal(shape, using: &generator)
    let dropped = (0..<b).map { _ in generator.nextUniform() < dropProbability }
    return (timesteps, noise, dropped)
  }

  /// What the U-Net should have predicted: ε, x0 or v = a·ε − s·x0 per image.
  func aim(x0: Tensor, noise: Tensor, at timesteps: [Int]) -> Tensor {
    switch target {
    case .noise: return noise
    case .cleanImage: return x0
    case .velocity:
      let perImage = [timesteps.count] + [Int](repeating: 1, count: x0.rank - 1)
      let a = Tensor(
        shape: perImage, data: timesteps.map { schedule.alphaBars[$0].squareRoot() })
      let s = Tensor(
        shape: perImage,
        data: timesteps.map { (1 - schedule.alphaBars[$0]).squareRoot() })
      return noise * a - x0 * s
    }
  }

  /// The noise ε that the U-Net's `output` at x_t and step t stands for (the sampler
  /// works with ε whatever was predicted): x0 gives (x_t − a·x0)/s, v gives s·x_t + a·v.
  func noise(from output: Tensor, at xt: Tensor, step t: Int) -> Tensor {
    let a = schedule.alphaBars[t].squareRoot()
    let s = (1 - schedule.alphaBars[t]).squareRoot()
    switch target {
    case .noise: return output
    case .cleanImage: return (xt - output * a) * (1 / s)
    case .velocity: return xt * s + output * a
    }
  }

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
          epsilon = noise(from: epsilon, at: x, step: t)
        } else {
          // Both predictions in one batch: [2B, ...], unconditional first.
          let both = net(
            Tensor.concatenate([x, x], axis: 0),
            timesteps: [Int](repeating: t, count: 2 * b),
            context: Tensor.concatenate([nulls, conditions], axis: 0), hook: hook)
          epsilon = guidedNoise(
            unconditional: both.sliced(axis: 0, 0..<b),
            conditional: both.sliced(axis: 0, b..<(2 * b)), scale: guidance)
          // Guidance is affine in the prediction, so it commutes with the conversion.
          epsilon = noise(from: epsilon, at: x, step: t)
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
