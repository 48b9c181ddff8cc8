// MARK: book:tensor
/// An n-dimensional array of Float32 that remembers how it was made.
///
/// Storage is one row-major, contiguous `[Float]`: element (i, j, k) of a tensor of
/// shape [A, B, C] lives at index (i·B + j)·C + k. A tensor made by an operation on
/// tensors that require gradients keeps a `Node`: the inputs and a closure that turns
/// the gradient of this tensor into gradients of those inputs. `backward()` walks
/// these nodes in reverse topological order.
public final class Tensor {
  public let shape: [Int]
  public private(set) var data: [Float]
  /// Whether gradients flow to (leaf) or through (intermediate) this tensor.
  public let requiresGrad: Bool
  /// How this tensor was computed; nil for leaves and for results made without
  /// gradient tracking.
  let node: Node?
  /// The accumulated gradient of the last `backward()` with respect to this tensor.
  var gradStorage: [Float]?
  /// Keep this (intermediate) tensor's gradient after backward; see `retainGrad()`.
  var retainsGrad = false

  /// A leaf tensor: data you own, such as an input or a parameter.
  public init(shape: [Int], data: [Float], requiresGrad: Bool = false) {
    require(
      shape.allSatisfy { $0 >= 0 }, "Tensor(shape:data:)",
      "dimensions must be non-negative, got \(describe(shape))")
    require(
      data.count == shape.reduce(1, *), "Tensor(shape:data:)",
      "shape \(describe(shape)) holds \(shape.reduce(1, *)) elements, "
        + "but \(data.count) values were given")
    self.shape = shape
    self.data = data
    self.requiresGrad = requiresGrad
    self.node = nil
    TensorAllocations.record(floats: data.count)
  }

  // MARK: end
  // MARK: book:tensor-operation
  /// The result of an operation. Records `backward` only when gradients are wanted:
  /// while `GradMode.isEnabled` and some input requires gradients. `backward` receives
  /// the gradient of this result and passes it on with `accumulateGrad` on the inputs.
  /// (Public so that later modules can define operations, such as convolution.)
  public init(
    shape: [Int], data: [Float], inputs: [Tensor], operation: StaticString,
    backward: @escaping (_ gradient: [Float]) -> Void
  ) {
    self.shape = shape
    self.data = data
    TensorAllocations.record(floats: data.count)
    OperationProfile.tensorMade(by: operation)
    let tracked = GradMode.isEnabled && inputs.contains { $0.requiresGrad }
    self.requiresGrad = tracked
    self.node =
      tracked
      ? Node(inputs: inputs, operation: operation, backward: backward) : nil
  }

  /// Number of elements.
  public var count: Int { data.count }
  /// Number of axes.
  public var rank: Int { shape.count }
}

/// One step of the computation graph: which tensors went in, and how to send a
/// gradient back to them.
final class Node {
  let inputs: [Tensor]
  let operation: StaticString
  let backward: (_ gradient: [Float]) -> Void

  init(
    inputs: [Tensor], operation: StaticString,
    backward: @escaping (_ gradient: [Float]) -> Void
  ) {
    self.inputs = inputs
    self.operation = operation
    self.backward = OperationProfile.timed(operation, backward)
  }
}
// MARK: end

extension Tensor {
  // MARK: Creating tensors

  /// A tensor holding one number (shape []).
  public convenience init(_ value: Float, requiresGrad: Bool = false) {
    self.init(shape: [], data: [value], requiresGrad: requiresGrad)
  }

  /// A tensor from nested rows: `Tensor([[1, 2], [3, 4]])` has shape [2, 2].
  public convenience init(_ rows: [[Float]], requiresGrad: Bool = false) {
    let columns = rows.first?.count ?? 0
    require(
      rows.allSatisfy { $0.count == columns }, "Tensor(rows)",
      "every row needs \(columns) values")
    self.init(
      shape: [rows.count, columns], data: rows.flatMap { $0 },
      requiresGrad: requiresGrad)
  }

  /// A 1-D tensor.
  public convenience init(_ values: [Float], requiresGrad: Bool = false) {
    self.init(shape: [values.count], data: values, requiresGrad: requiresGrad)
  }

  public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
    full(shape, 0, requiresGrad: requiresGrad)
  }

  public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
    full(shape, 1, requiresGrad: requiresGrad)
  }

  public static func full(
    _ shape: [Int], _ value: Float, requiresGrad: Bool = false
  ) -> Tensor {
    Tensor(
      shape: shape, data: [Float](repeating: value, count: shape.reduce(1, *)),
      requiresGrad: requiresGrad)
  }

  /// 0, 1, …, count−1 as Float.
  public static func arange(_ count: Int) -> Tensor {
    Tensor(shape: [count], data: (0..<count).map(Float.init))
  }

  /// Draws from N(mean, std²).
  public static func normal(
    _ shape: [Int], mean: Float = 0, std: Float = 1,
    using generator: inout SeededGenerator, requiresGrad: Bool = false
  ) -> Tensor {
    drawn(shape, requiresGrad) { mean + std * generator.nextNormal() }
  }

  /// Draws from U[low, high).
  public static func uniform(
    _ shape: [Int], low: Float = 0, high: Float = 1,
    using generator: inout SeededGenerator, requiresGrad: Bool = false
  ) -> Tensor {
    drawn(shape, requiresGrad) { generator.uniform(low, high) }
  }

  /// A tensor whose values are drawn one by one, in storage order.
  private static func drawn(
    _ shape: [Int], _ requiresGrad: Bool, _ draw: () -> Float
  ) -> Tensor {
    let values = (0..<shape.reduce(1, *)).map { _ in draw() }
    return Tensor(shape: shape, data: values, requiresGrad: requiresGrad)
  }

  // MARK: Reading values

  /// The value of a one-element tensor.
  public var item: Float {
    require(count == 1, "item", "needs a tensor with one element, got \(describe(shape))")
    return data[0]
  }

  /// The element at a multi-index, e.g. `x[1, 2]`.
  public subscript(_ index: Int...) -> Float {
    require(
      index.count == rank, "subscript",
      "tensor of shape \(describe(shape)) needs \(rank) indices, got \(index.count)")
    var offset = 0
    for (axis, i) in index.enumerated() {
      require(
        i >= 0 && i < shape[axis], "subscript",
        "index \(i) out of range for axis \(axis) of size \(shape[axis])")
      offset = offset * shape[axis] + i
    }
    return data[offset]
  }

  // MARK: Changing values in place (optimisers, initialisers)

  /// Runs `body` with the tensor's storage, for in-place updates such as an
  /// optimiser step. Do not use it on a tensor that is part of a graph you will
  /// still differentiate: backward closures hold the values they were made with.
  public func withUnsafeMutableData<R>(
    _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    try data.withUnsafeMutableBufferPointer { try body($0) }
  }

  /// Replaces every value; the count must match.
  public func assign(_ values: [Float]) {
    require(
      values.count == count, "assign",
      "tensor of shape \(describe(shape)) needs \(count) values, got \(values.count)")
    data = values
  }

  // MARK: Gradients

  /// The gradient from the last `backward()`, or nil if none has reached this tensor.
  public var grad: Tensor? {
    gradStorage.map { Tensor(shape: shape, data: $0) }
  }

  /// The gradient's raw values (for optimisers); nil if none.
  public var gradValues: [Float]? { gradStorage }

  /// Forgets the accumulated gradient. Gradients add up across `backward()` calls
  /// (as in PyTorch), so a training loop clears them before each step.
  public func zeroGrad() { gradStorage = nil }

  /// Multiplies the accumulated gradient by `factor` in place (gradient clipping).
  public func scaleGrad(by factor: Float) {
    guard gradStorage != nil else { return }
    gradStorage!.withUnsafeMutableBufferPointer { g in
      for i in 0..<g.count { g[i] *= factor }
    }
  }

  /// Asks backward to keep this intermediate tensor's gradient (leaves always keep
  /// theirs).
  public func retainGrad() { retainsGrad = true }

  /// The same values, cut off from the graph: no gradient flows through the result.
  public func detached() -> Tensor { Tensor(shape: shape, data: data) }

  /// Whether this tensor was made by an operation (rather than being a leaf).
  public var isLeaf: Bool { node == nil }

  /// The operation that made this tensor, if it is part of a graph.
  public var operationName: String? { node.map { "\($0.operation)" } }

  /// Adds `gradient` into this tensor's gradient buffer (for backward closures).
  public func accumulateGrad(_ gradient: [Float]) {
    guard requiresGrad else { return }
    TensorAllocations.record(floats: gradient.count)
    if gradStorage == nil {
      gradStorage = gradient
    } else {
      gradStorage!.withUnsafeMutableBufferPointer { g in
        gradient.withUnsafeBufferPointer { d in
          for i in 0..<g.count { g[i] += d[i] }
        }
      }
    }
  }
}
