// MARK: book:softmax
extension Tensor {
  /// softmax along `axis`: exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x).
  ///
  /// Subtracting the maximum changes nothing mathematically (it cancels) but keeps
  /// every exponent ≤ 0, so nothing overflows. Backward, for y = softmax(x):
  /// dxᵢ = yᵢ·(dyᵢ − Σⱼ dyⱼ·yⱼ).
  public func softmax(axis: Int = -1) -> Tensor {
    let (outer, size, inner) = splitAround(axis, "softmax")
    var out = [Float](repeating: 0, count: count)
    forEachLine(outer, size, inner) { offset, step in
      var largest = -Float.infinity
      for j in 0..<size { largest = Swift.max(largest, data[offset + j * step]) }
      var total: Float = 0
      for j in 0..<size {
        let e = FastMath.exp(data[offset + j * step] - largest)
        out[offset + j * step] = e
        total += e
      }
      for j in 0..<size { out[offset + j * step] /= total }
    }
    let y = out
    return Tensor(shape: shape, data: out, inputs: [self], operation: "softmax") {
      [self] g in
      var dx = [Float](repeating: 0, count: g.count)
      self.forEachLine(outer, size, inner) { offset, step in
        var dot: Float = 0
        for j in 0..<size { dot += g[offset + j * step] * y[offset + j * step] }
        for j in 0..<size {
          let i = offset + j * step
          dx[i] = y[i] * (g[i] - dot)
        }
      }
      self.accumulateGrad(dx)
    }
  }
}
// MARK: end

extension Tensor {
  /// log softmax along `axis`: xᵢ − max − log Σⱼ exp(xⱼ − max). Backward:
  /// dxᵢ = dyᵢ − softmax(x)ᵢ·Σⱼ dyⱼ.
  public func logSoftmax(axis: Int = -1) -> Tensor {
    let (outer, size, inner) = splitAround(axis, "logSoftmax")
    var out = [Float](repeating: 0, count: count)
    forEachLine(outer, size, inner) { offset, step in
      let shift = logSumExp(offset, step, size)
      for j in 0..<size { out[offset + j * step] = data[offset + j * step] - shift }
    }
    let y = out
    return Tensor(shape: shape, data: out, inputs: [self], operation: "logSoftmax") {
      [self] g in
      var dx = [Float](repeating: 0, count: g.count)
      self.forEachLine(outer, size, inner) { offset, step in
        var total: Float = 0
        for j in 0..<size { total += g[offset + j * step] }
        for j in 0..<size {
          let i = offset + j * step
          dx[i] = g[i] - FastMath.exp(y[i]) * total
        }
      }
      self.accumulateGrad(dx)
    }
  }

  /// max + log Σ exp(x − max) over one line of values.
  func logSumExp(_ offset: Int, _ step: Int, _ size: Int) -> Float {
    var largest = -Float.infinity
    for j in 0..<size { largest = Swift.max(largest, data[offset + j * step]) }
    var total: Float = 0
    for j in 0..<size { total += FastMath.exp(data[offset + j * step] - largest) }
    return largest + logf(total)
  }

  /// The sizes before, along and after `axis`.
  func splitAround(_ axis: Int, _ operation: String) -> (Int, Int, Int) {
    let ax = axis < 0 ? axis + rank : axis
    require(
      ax >= 0 && ax < rank, operation,
      "axis \(axis) out of range for shape \(describe(shape))")
    return (shape[..<ax].reduce(1, *), shape[ax], shape[(ax + 1)...].reduce(1, *))
  }

  /// Calls `body(start, step)` for every line of values along the split axis.
  func forEachLine(
    _ outer: Int, _ size: Int, _ inner: Int, _ body: (_ start: Int, _ step: Int) -> Void
  ) {
    for o in 0..<outer {
      for i in 0..<inner { body(o * size * inner + i, inner) }
    }
  }
}

// MARK: book:cross-entropy
/// Mean cross-entropy of `logits` ([..., C], classes on the last axis) against integer
/// `targets` (one per row). Rows whose target equals `ignoreIndex` (padding) count
/// neither in the sum nor in the mean.
///
/// Per row: −log softmax(x)[t] = logsumexp(x) − x[t], computed without forming the
/// softmax. Its gradient is softmax(x) − onehot(t), divided by the number of rows
/// that count.
public func crossEntropy(
  _ logits: Tensor, targets: [Int], ignoreIndex: Int? = nil
) -> Tensor {
  let what = "crossEntropy(\(describe(logits.shape)))"
  require(logits.rank >= 1, what, "logits need a class axis")
  let classes = logits.shape[logits.rank - 1]
  let rows = logits.count / Swift.max(classes, 1)
  require(
    targets.count == rows, what,
    "\(rows) rows of logits but \(targets.count) targets")
  var total: Double = 0
  var counted = 0
  var shifts = [Float](repeating: 0, count: rows)
  for (row, target) in targets.enumerated() where target != ignoreIndex {
    require(
      target >= 0 && target < classes, what,
      "target \(target) in row \(row) is outside 0..<\(classes)")
    shifts[row] = logits.logSumExp(row * classes, 1, classes)
    total += Double(shifts[row] - logits.data[row * classes + target])
    counted += 1
  }
  let loss = counted > 0 ? Float(total / Double(counted)) : 0
  let x = logits.data
  return Tensor(shape: [], data: [loss], inputs: [logits], operation: "crossEntropy") {
    g in
    var dx = [Float](repeating: 0, count: x.count)
    let scale = g[0] / Float(Swift.max(counted, 1))
    for (row, target) in targets.enumerated() where target != ignoreIndex {
      let base = row * classes
      for j in 0..<classes {
        dx[base + j] = FastMath.exp(x[base + j] - shifts[row]) * scale
      }
      dx[base + target] -= scale
    }
    logits.accumulateGrad(dx)
  }
}
// MARK: end

/// Mean squared error between a prediction and a target of the same shape.
public func meanSquaredError(_ prediction: Tensor, _ target: Tensor) -> Tensor {
  require(
    prediction.shape == target.shape, "meanSquaredError",
    "prediction \(describe(prediction.shape)) and target "
      + "\(describe(target.shape)) differ")
  let difference = prediction - target
  return (difference * difference).mean()
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
