import Autograd

// MARK: book:linear
/// y = x·Wᵀ + b over the last axis: [..., in] → [..., out].
///
/// The weight is stored [out, in], PyTorch's layout, so checkpoints line up with theirs;
/// BLAS reads it transposed, without a copy.
public final class Linear: Layer {
  public var weight: Tensor  // [out, in]
  public var bias: Tensor?  // [out]

  public init(
    _ inputs: Int, _ outputs: Int, bias: Bool = true,
    initialization: Initialization = .xavierUniform,
    using generator: inout SeededGenerator
  ) {
    weight = initialization.tensor(
      [outputs, inputs], fanIn: inputs, fanOut: outputs,
      using: &generator)
    self.bias = bias ? Tensor.zeros([outputs], requiresGrad: true) : nil
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    require(
      x.shape.last == weight.shape[1], "Linear(\(weight.shape[1]) → \(weight.shape[0]))",
      "input \(describe(x.shape)) must end in \(weight.shape[1]) features")
    let y = matmul(x, weight, transposingB: true)  // [..., out]
    return bias.map { y + $0 } ?? y
  }
}
// MARK: end

/// A table of vectors looked up by index: token ids → [..., C].
public final class Embedding: Layer {
  public var table: Tensor  // [V, C]

  public init(
    _ count: Int, _ width: Int, initialization: Initialization = .normal(std: 1),
    using generator: inout SeededGenerator
  ) {
    table = initialization.tensor(
      [count, width], fanIn: count, fanOut: width,
      using: &generator)
  }

  /// Rows for `indices` laid out with `shape` (default: one axis).
  public func callAsFunction(_ indices: [Int], shape: [Int]? = nil) -> Tensor {
    table.gatherRows(indices, indexShape: shape)  // shape + [C]
  }
}

/// Zeroes each value with probability p in training and scales the rest by 1/(1 − p),
/// so the expected activation is unchanged; the identity in evaluation mode.
public final class Dropout: TrainingModeLayer {
  public let probability: Float
  public var isTraining = true
  /// Its own generator, seeded from the model's: the same seed drops the same values.
  var generator: SeededGenerator

  public init(_ probability: Float, using generator: inout SeededGenerator) {
    require(
      probability >= 0 && probability < 1,
      "Dropout", "probability must be in [0, 1), got \(probability)")
    self.probability = probability
    self.generator = SeededGenerator(seed: generator.next())
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    guard isTraining, probability > 0 else { return x }
    let scale = 1 / (1 - probability)
    var keep = [Float](repeating: 0, count: x.count)
    for i in 0..<keep.count where generator.nextUniform() >= probability {
      keep[i] = scale
    }
    return x * Tensor(shape: x.shape, data: keep)
  }
}
