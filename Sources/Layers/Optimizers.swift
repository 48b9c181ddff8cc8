import Autograd
import Platform

/// Parameters that share a learning-rate scale and a weight decay. MM-Interleaved trains
/// its sampling offsets and its U-Net at a tenth of the base rate; a group says so.
public struct ParameterGroup {
  public var parameters: [(name: String, tensor: Tensor)]
  /// Multiplies the schedule's learning rate for this group.
  public var learningRateScale: Float
  public var weightDecay: Float

  public init(
    _ parameters: [(name: String, tensor: Tensor)], learningRateScale: Float = 1,
    weightDecay: Float = 0
  ) {
    self.parameters = parameters
    self.learningRateScale = learningRateScale
    self.weightDecay = weightDecay
  }
}

/// Something that updates parameters from their gradients.
public protocol Optimizer: AnyObject {
  var groups: [ParameterGroup] { get }
  /// Steps taken so far.
  var stepCount: Int { get }
  /// One update with the given base learning rate; parameters without a gradient are
  /// left alone.
  func step(learningRate: Float)
  /// The optimiser's state as named tensors plus metadata, for checkpoints.
  func state() -> (tensors: [(name: String, tensor: Tensor)], metadata: [String: String])
  /// Restores a state saved by `state()`; `path` names the checkpoint in errors.
  func restore(tensors: [String: Tensor], metadata: [String: String], path: String) throws
}

extension Optimizer {
  /// Clears every parameter's gradient.
  public func zeroGrad() {
    for group in groups { for p in group.parameters { p.tensor.zeroGrad() } }
  }
}

/// Stochastic gradient descent with momentum: v ← μ·v + g + λ·θ;  θ ← θ − η·v.
public final class SGD: Optimizer {
  public let groups: [ParameterGroup]
  public let momentum: Float
  public private(set) var stepCount = 0
  var velocity: [String: [Float]] = [:]

  public init(_ groups: [ParameterGroup], momentum: Float = 0.9) {
    self.groups = groups
    self.momentum = momentum
  }

  public func step(learningRate: Float) {
    stepCount += 1
    for group in groups {
      let rate = learningRate * group.learningRateScale
      for (name, parameter) in group.parameters {
        guard let gradient = parameter.gradValues else { continue }
        // Out of the dictionary while updated, so that writing does not copy it.
        let zeros = { [Float](repeating: 0, count: parameter.count) }
        var v = velocity.removeValue(forKey: name) ?? zeros()
        parameter.withUnsafeMutableData { theta in
          for i in 0..<theta.count {
            v[i] = momentum * v[i] + gradient[i] + group.weightDecay * theta[i]
            theta[i] -= rate * v[i]
          }
        }
        velocity[name] = v
      }
    }
  }

  public func state() -> (
    tensors: [(name: String, tensor: Tensor)], metadata: [String: String]
  ) {
    let tensors = velocity.keys.sorted().map { name in
      (
        "optimizer.velocity." + name,
        Tensor(shape: [velocity[name]!.count], data: velocity[name]!)
      )
    }
    return (tensors, ["optimizer": "SGD", "optimizer.steps": String(stepCount)])
  }

  public func restore(
    tensors: [String: Tensor], metadata: [String: String], path: String
  ) throws {
    stepCount = try restoredStepCount(metadata, expecting: "SGD", path: path)
    velocity = restoredBuffers(tensors, prefix: "optimizer.velocity.")
  }
}

// MARK: book:adamw
/// AdamW (Loshchilov and Hutter, 2019): Adam's per-parameter step sizes, with weight
/// decay applied to the parameters directly instead of being added to the gradient.
///
///     m ← β₁·m + (1 − β₁)·g            running mean of gradients
///     v ← β₂·v + (1 − β₂)·g²           running mean of squared gradients
///     m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)   corrections for starting at zero
///     θ ← θ − η·(m̂ / (√v̂ + ε) + λ·θ)
public final class AdamW: Optimizer {
  public let groups: [ParameterGroup]
  public let beta1: Float, beta2: Float, epsilon: Float
  public private(set) var stepCount = 0
  var mean: [String: [Float]] = [:]
  var meanSquare: [String: [Float]] = [:]

  public init(
    _ groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999,
    epsilon: Float = 1e-8
  ) {
    self.groups = groups
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  // MARK: end
  // MARK: book:adamw-step
  public func step(learningRate: Float) {
    stepCount += 1
    let correction1 = 1 - powf(beta1, Float(stepCount))
    let correction2 = 1 - powf(beta2, Float(stepCount))
    for group in groups {
      let rate = learningRate * group.learningRateScale
      for (name, parameter) in group.parameters {
        guard let g = parameter.gradValues else { continue }
        // Taken out of the dictionaries while updated: held by one variable only, the
        // arrays are written in place (left in, the first write would copy them).
        let zeros = { [Float](repeating: 0, count: parameter.count) }
        var m = mean.removeValue(forKey: name) ?? zeros()
        var v = meanSquare.removeValue(forKey: name) ?? zeros()
        let decay = group.weightDecay
        parameter.withUnsafeMutableData { theta in
          m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
              // Every element on its own: a share of them per worker.
              Parallel.forEachShare(of: theta.count) { elements in
                for i in elements {
                  m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                  v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                  let mHat = m[i] / correction1, vHat = v[i] / correction2
                  theta[i] -=
                    rate * (mHat / (vHat.squareRoot() + epsilon) + decay * theta[i])
                }
              }
            }
          }
        }
        mean[name] = m
        meanSquare[name] = v
      }
    }
  }
  // MARK: end

  public func state() -> (
    tensors: [(name: String, tensor: Tensor)], metadata: [String: String]
  ) {
    var tensors: [(name: String, tensor: Tensor)] = []
    for name in mean.keys.sorted() {
      tensors.append(("optimizer.mean." + name, Tensor(mean[name]!)))
      tensors.append(("optimizer.meanSquare." + name, Tensor(meanSquare[name]!)))
    }
    return (tensors, ["optimizer": "AdamW", "optimizer.steps": String(stepCount)])
  }

  public func restore(
    tensors: [String: Tensor], metadata: [String: String], path: String
  ) throws {
    stepCount = try restoredStepCount(metadata, expecting: "AdamW", path: path)
    mean = restoredBuffers(tensors, prefix: "optimizer.mean.")
    meanSquare = restoredBuffers(tensors, prefix: "optimizer.meanSquare.")
  }
}

func restoredStepCount(
  _ metadata: [String: String], expecting kind: String, path: String
) throws -> Int {
  guard metadata["optimizer"] == kind,
    let steps = metadata["optimizer.steps"].flatMap({ Int($0) })
  else {
    throw CheckpointError.optimizerMismatch(
      path: path, expected: kind, found: metadata["optimizer"] ?? "no optimizer state")
  }
  return steps
}

func restoredBuffers(_ tensors: [String: Tensor], prefix: String) -> [String: [Float]] {
  var buffers: [String: [Float]] = [:]
  for (name, tensor) in tensors where name.hasPrefix(prefix) {
    buffers[String(name.dropFirst(prefix.count))] = tensor.data
  }
  return buffers
}

// MARK: book:clip-gradients
/// Scales all gradients down together when their global L2 norm exceeds `maxNorm`, so
/// one bad batch cannot throw the parameters far. Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
  var total: Double = 0
  for p in parameters { for g in p.gradValues ?? [] { total += Double(g) * Double(g) } }
  let norm = Float(total.squareRoot())
  if norm > maxNorm {
    let factor = maxNorm / (norm + 1e-6)
    for p in parameters { p.scaleGrad(by: factor) }
  }
  return norm
}
// MARK: end

/// The learning rate at each step: a linear warm-up from near zero, then cosine decay
/// to `minimum` at `totalSteps`, or constant.
public struct LearningRateSchedule: Sendable {
  public enum Shape: Sendable { case cosine, constant }
  public let base: Float, minimum: Float
  public let warmupSteps: Int, totalSteps: Int
  public let shape: Shape
  /// Steps at which the schedule starts again, warm-up included ("warm restarts"):
  /// each stage of a curriculum gets a whole cycle of its own. Empty: one cycle.
  public let restarts: [Int]

  public init(
    base: Float, warmupSteps: Int = 0, totalSteps: Int, shape: Shape = .cosine,
    minimum: Float = 0, restarts: [Int] = []
  ) {
    self.base = base
    self.minimum = minimum
    self.warmupSteps = warmupSteps
    self.totalSteps = totalSteps
    self.shape = shape
    self.restarts = restarts.filter { $0 > 0 && $0 < totalSteps }.sorted()
  }

  // MARK: book:schedule
  /// The rate for step `step` (0-based).
  public func callAsFunction(_ step: Int) -> Float {
    let start = restarts.last { $0 <= step } ?? 0
    let end = restarts.first { $0 > step } ?? totalSteps
    let (inCycle, cycle) = (step - start, end - start)
    if inCycle < warmupSteps { return base * Float(inCycle + 1) / Float(warmupSteps) }
    guard shape == .cosine, cycle > warmupSteps else { return base }
    let progress = min(Float(inCycle - warmupSteps) / Float(cycle - warmupSteps), 1)
    return minimum + (base - minimum) * 0.5 * (1 + cosf(Float.pi * progress))
  }
  // MARK: end
}
