import Autograd
import Platform

/// The forward (noising) process of a denoising diffusion model (Ho et al., 2020) and
/// the two ways back used in this book: DDPM's ancestral sampling and DDIM's (Song et
/// al., 2021) deterministic or partly stochastic steps.
///
/// Timesteps are 0-based: t = 0 is the least noisy step and t = T − 1 the most.
/// β_t is the variance added at step t, α_t = 1 − β_t and ᾱ_t = α_0·α_1·…·α_t, so that
/// x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε in one jump, with ε ~ N(0, I).
public struct NoiseSchedule: Sendable, Equatable {
  public let betas: [Float]
  public let alphaBars: [Float]

  public init(betas: [Float]) {
    require(
      !betas.isEmpty && betas.allSatisfy { $0 > 0 && $0 < 1 },
      "NoiseSchedule", "every β must lie in (0, 1)")
    self.betas = betas
    var product: Double = 1
    alphaBars = betas.map { beta in
      product *= 1 - Double(beta)
      return Float(product)
    }
  }

  /// β rising linearly from `first` to `last` over `steps` steps (DDPM's schedule;
  /// MMI-Tiny's defaults rescale it to T = 200).
  public static func linear(
    steps: Int = 200, from first: Float = 5e-4, to last: Float = 0.1
  )
    -> NoiseSchedule
  {
    require(steps >= 2, "NoiseSchedule.linear", "need at least 2 steps, got \(steps)")
    return NoiseSchedule(
      betas: (0..<steps).map { first + (last - first) * Float($0) / Float(steps - 1) })
  }

  /// Nichol and Dhariwal's cosine schedule: ᾱ(t) ∝ cos²(((t/T) + s)/(1 + s)·π/2), with β
  /// clipped at 0.999 so the last step stays finite.
  public static func cosine(steps: Int = 200, offset s: Double = 0.008) -> NoiseSchedule {
    func f(_ t: Double) -> Double {
      let angle = (t / Double(steps) + s) / (1 + s) * Double.pi / 2
      return cos(angle) * cos(angle)
    }
    return NoiseSchedule(
      betas: (0..<steps).map { t in Float(min(1 - f(Double(t + 1)) / f(Double(t)), 0.999))
      })
  }

  public var steps: Int { betas.count }

  /// ᾱ before step t: 1 for t = −1 (clean data), ᾱ_t otherwise.
  func alphaBar(_ t: Int) -> Float { t < 0 ? 1 : alphaBars[t] }

  // MARK: book:noised
  /// x_t for clean data `x0` [B, ...] at per-example timesteps `t` (B of them), with
  /// the given noise ε of the same shape: √ᾱ_t·x0 + √(1 − ᾱ_t)·ε. Differentiable in x0
  /// and ε (the training loss needs neither, but a test may).
  public func noised(_ x0: Tensor, at t: [Int], noise: Tensor) -> Tensor {
    require(
      x0.shape == noise.shape, "noised", "x0 \(x0.shape) vs noise \(noise.shape)")
    require(
      t.count == x0.shape[0], "noised", "\(t.count) timesteps for batch \(x0.shape[0])")
    require(
      t.allSatisfy { (0..<steps).contains($0) }, "noised",
      "timesteps must lie in 0..<\(steps), got \(t.filter { !(0..<steps).contains($0) })")
    let perExample = [Int](repeating: 1, count: x0.rank - 1)
    let signal = Tensor(
      shape: [t.count] + perExample, data: t.map { alphaBars[$0].squareRoot() })
    let spread = Tensor(
      shape: [t.count] + perExample, data: t.map { (1 - alphaBars[$0]).squareRoot() })
    return x0 * signal + noise * spread
  }
  // MARK: end

  /// The clean data that noise prediction `epsilon` implies at step t:
  /// x0 = (x_t − √(1 − ᾱ_t)·ε) / √ᾱ_t.
  public func predictedClean(_ xt: Tensor, epsilon: Tensor, at t: Int) -> Tensor {
    let a = alphaBars[t]
    return (xt - epsilon * (1 - a).squareRoot()) * (1 / a.squareRoot())
  }

  // MARK: book:ddpm-step
  /// The mean of DDPM's reverse step from t to t − 1, given the predicted noise:
  /// (x_t − β_t/√(1 − ᾱ_t)·ε) / √α_t.
  public func ddpmMean(_ xt: Tensor, epsilon: Tensor, at t: Int) -> Tensor {
    let beta = betas[t]
    return (xt - epsilon * (beta / (1 - alphaBars[t]).squareRoot()))
      * (1 / (1 - beta).squareRoot())
  }

  /// One ancestral DDPM step from t to t − 1: the mean plus noise of variance
  /// β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t)·β_t (none at the last step, t = 0).
  public func ddpmStep(
    _ xt: Tensor, epsilon: Tensor, at t: Int, using generator: inout SeededGenerator
  ) -> Tensor {
    let mean = ddpmMean(xt, epsilon: epsilon, at: t)
    guard t > 0 else { return mean }
    let variance = (1 - alphaBars[t - 1]) / (1 - alphaBars[t]) * betas[t]
    return mean + Tensor.normal(xt.shape, using: &generator) * variance.squareRoot()
  }
  // MARK: end

  /// `count` timesteps for DDIM, evenly spaced from T − 1 down to 0.
  public func ddimTimesteps(count: Int) -> [Int] {
    require(
      count >= 1 && count <= steps, "ddimTimesteps",
      "need 1 ≤ count ≤ \(steps), got \(count)")
    guard count > 1 else { return [steps - 1] }
    return (0..<count).map {
      Int((Double(steps - 1) * Double(count - 1 - $0) / Double(count - 1)).rounded())
    }
  }

  // MARK: book:ddim-step
  /// One DDIM step from t to `previous` (−1 for the clean data): predict x0, then move
  /// to the noise level of `previous` along the predicted noise. η = 0 is deterministic;
  /// η = 1 matches DDPM's variance. `clip` clamps the predicted x0 (images in [−1, 1]).
  public func ddimStep(
    _ xt: Tensor, epsilon: Tensor, from t: Int, to previous: Int, eta: Float = 0,
    clip: ClosedRange<Float>? = nil, using generator: inout SeededGenerator
  ) -> Tensor {
    require(previous < t, "ddimStep", "\(previous) is not before \(t)")
    let (now, before) = (alphaBars[t], alphaBar(previous))
    var x0 = predictedClean(xt, epsilon: epsilon, at: t)
    var epsilon = epsilon
    if let clip {
      // Keep the predicted image in the data's range, and re-derive the noise from it
      // so the step stays consistent.
      x0 = Tensor(
        shape: x0.shape,
        data: x0.data.map { min(max($0, clip.lowerBound), clip.upperBound) })
      epsilon = (xt - x0 * now.squareRoot()) * (1 / (1 - now).squareRoot())
    }
    let sigma =
      eta * ((1 - before) / (1 - now)).squareRoot() * (1 - now / before).squareRoot()
    let direction = max(1 - before - sigma * sigma, 0).squareRoot()
    var next = x0 * before.squareRoot() + epsilon * direction
    if sigma > 0 { next = next + Tensor.normal(xt.shape, using: &generator) * sigma }
    return next
  }
  // MARK: end
}
