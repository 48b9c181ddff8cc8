extension Tensor {
  /// Axes normalised to 0..<rank (negative counts from the end), sorted, unique.
  func normalisedAxes(_ axes: [Int], _ operation: String) -> [Int] {
    let resolved = axes.map { $0 < 0 ? $0 + rank : $0 }
    for (given, axis) in zip(axes, resolved) {
      require(axis >= 0 && axis < rank, operation,
              "axis \(given) is out of range for shape \(describe(shape))")
    }
    return Array(Set(resolved)).sorted()
  }

  /// The shape after reducing `axes`, with the reduced axes kept as size 1.
  func keptShape(reducing axes: [Int]) -> [Int] {
    var kept = shape
    for axis in axes { kept[axis] = 1 }
    return kept
  }

  /// Removes the size-1 axes that a reduction kept, unless asked to keep them.
  func finalShape(keptShape: [Int], axes: [Int], keepingDims: Bool) -> [Int] {
    keepingDims ? keptShape : keptShape.enumerated()
      .filter { !axes.contains($0.offset) }.map(\.element)
  }

  // MARK: book:sum
  /// Sum over `axes` (all axes if nil). Backward repeats the incoming gradient along
  /// the reduced axes: every summed element moved the sum by exactly its own change.
  public func sum(axes: [Int]? = nil, keepingDims: Bool = false) -> Tensor {
    let reduced = normalisedAxes(axes ?? Array(0..<rank), "sum")
    let kept = keptShape(reducing: reduced)
    let out = sumToShape(data, from: shape, to: kept)
    let inputShape = shape
    return Tensor(
      shape: finalShape(keptShape: kept, axes: reduced, keepingDims: keepingDims),
      data: out, inputs: [self], operation: "sum"
    ) { [self] g in
      let ones = [Float](repeating: 1, count: count)
      self.accumulateGrad(broadcastCombine(ones, inputShape, g, kept,
                                           into: inputShape, Times()))
    }
  }
  // MARK: end

  public func sum(axis: Int, keepingDims: Bool = false) -> Tensor {
    sum(axes: [axis], keepingDims: keepingDims)
  }

  /// Mean over `axes` (all if nil).
  public func mean(axes: [Int]? = nil, keepingDims: Bool = false) -> Tensor {
    let reduced = normalisedAxes(axes ?? Array(0..<rank), "mean")
    let n = reduced.reduce(1) { $0 * shape[$1] }
    return sum(axes: reduced, keepingDims: keepingDims) * (1 / Float(n))
  }

  public func mean(axis: Int, keepingDims: Bool = false) -> Tensor {
    mean(axes: [axis], keepingDims: keepingDims)
  }

  /// Variance over `axes`: the mean squared deviation from the mean (divide by n, as
  /// layer normalisation does), or by n − 1 when `unbiased`.
  public func variance(
    axes: [Int]? = nil, keepingDims: Bool = false, unbiased: Bool = false
  ) -> Tensor {
    let reduced = normalisedAxes(axes ?? Array(0..<rank), "variance")
    let n = reduced.reduce(1) { $0 * shape[$1] }
    require(!unbiased || n > 1, "variance", "unbiased variance needs at least 2 values")
    let deviation = self - mean(axes: reduced, keepingDims: true)
    let squares = (deviation * deviation).sum(axes: reduced, keepingDims: keepingDims)
    return squares * (1 / Float(unbiased ? n - 1 : n))
  }

  public func variance(axis: Int, keepingDims: Bool = false) -> Tensor {
    variance(axes: [axis], keepingDims: keepingDims)
  }

  /// Maximum over `axes` (all if nil). The gradient goes to the first maximal element
  /// of each reduced group (a subgradient; ties are rare with real data).
  public func max(axes: [Int]? = nil, keepingDims: Bool = false) -> Tensor {
    let reduced = normalisedAxes(axes ?? Array(0..<rank), "max")
    let kept = keptShape(reducing: reduced)
    let outCount = kept.reduce(1, *)
    require(count > 0, "max", "cannot take the maximum of an empty tensor")
    var best = [Float](repeating: -.infinity, count: outCount)
    var argmax = [Int](repeating: -1, count: outCount)
    let layout = StridedLayout(shape: shape, operands: [shape, kept])
    let n = layout.rowLength, step = layout.rowStride(1)
    data.withUnsafeBufferPointer { x in
      layout.forEachRow { offsets in
        for i in 0..<n {
          let source = offsets[0] + i, target = offsets[1] + i * step
          if x[source] > best[target] || argmax[target] < 0 {
            best[target] = x[source]
            argmax[target] = source
          }
        }
      }
    }
    let inputCount = count
    return Tensor(
      shape: finalShape(keptShape: kept, axes: reduced, keepingDims: keepingDims),
      data: best, inputs: [self], operation: "max"
    ) { [self] g in
      var dx = [Float](repeating: 0, count: inputCount)
      for (j, source) in argmax.enumerated() { dx[source] += g[j] }
      self.accumulateGrad(dx)
    }
  }

  public func max(axis: Int, keepingDims: Bool = false) -> Tensor {
    max(axes: [axis], keepingDims: keepingDims)
  }

  /// Index of the largest value along the last axis, for each row (no gradient).
  public func argmaxLastAxis() -> [Int] {
    require(rank >= 1, "argmaxLastAxis", "needs at least one axis")
    let n = shape[rank - 1]
    return (0..<(count / Swift.max(n, 1))).map { row in
      var best = 0
      for j in 1..<n where data[row * n + j] > data[row * n + best] { best = j }
      return best
    }
  }
}
