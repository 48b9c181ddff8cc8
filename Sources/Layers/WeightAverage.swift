import Autograd

// MARK: book:weight-average
/// An exponential moving average of a model's weights (Polyak averaging), which
/// diffusion models sample with: the weights after each optimiser step jitter around
/// a good solution, and their running average sits closer to its middle.
///
///     a ← d·a + (1 − d)·θ     after every step, with d = min(decay, (1 + n)/(10 + n))
///
/// where n counts the updates so far: early on, when the average would still be
/// mostly the random initialisation, the smaller d lets it follow the weights.
public final class WeightAverage {
  public let decay: Float
  public private(set) var updates = 0
  let parameters: [Tensor]
  var averages: [[Float]]

  public init(_ parameters: [Tensor], decay: Float = 0.999) {
    require(
      decay > 0 && decay < 1, "WeightAverage", "decay must lie in (0, 1), got \(decay)")
    self.parameters = parameters
    self.decay = decay
    averages = parameters.map(\.data)
  }

  /// Folds the current weights into the average.
  public func update() {
    let n = Float(updates)
    let d = min(decay, (1 + n) / (10 + n))
    for (k, parameter) in parameters.enumerated() {
      let theta = parameter.data
      averages[k].withUnsafeMutableBufferPointer { a in
        for i in 0..<a.count { a[i] = d * a[i] + (1 - d) * theta[i] }
      }
    }
    updates += 1
  }

  // MARK: end
  // MARK: book:weight-average-use
  /// Continues from saved averages (a resumed run).
  func restore(_ values: [[Float]], updates: Int) {
    averages = values
    self.updates = updates
  }

  /// Puts the averaged weights into the model for good (when training is over).
  public func applyAverage() {
    for (parameter, average) in zip(parameters, averages) { parameter.assign(average) }
  }

  /// Runs `body` with the averaged weights in the model, then puts the trained
  /// weights back (also when `body` throws).
  public func withAveragedWeights<R>(_ body: () throws -> R) rethrows -> R {
    let trained = parameters.map(\.data)
    applyAverage()
    defer {
      for (parameter, values) in zip(parameters, trained) { parameter.assign(values) }
    }
    return try body()
  }
}
// MARK: end
