import Platform

// MARK: book:softmax
extension Tensor {
  /// softmax along `axis`: exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x).
  ///
  /// Subtracting the maximum changes nothing mathematically (it cancels) but keeps
  /// every exponent ≤ 0, so nothing overflows. Backward, for y = softmax(x):
  /// dxᵢ = yᵢ·(dyᵢ − Σⱼ dyⱼ·yⱼ).
  public func softmax(axis: Int = -1) -> Tensor {
    let (outer, size, inner) = splitAround(axis, "softmax")
    let output = uninitializedArray(count) { y in
      data.withUnsafeBufferPointer { x in
        forEachLine(outer, size, inner) { start, step in
          if step == 1 {  // the usual case, contiguous rows: vectorised helpers
            softmaxRow(x.baseAddress! + start, y.baseAddress! + start, size)
            return
          }
          var largest = -Float.infinity
          for j in 0..<size { largest = Swift.max(largest, x[start + j * step]) }
          var total: Float = 0
          for j in 0..<size {
            let e = FastMath.exp(x[start + j * step] - largest)
            y[start + j * step] = e
            total += e
          }
          let scale = 1 / total
          for j in 0..<size { y[start + j * step] *= scale }
        }
      }
    }
    // MARK: end
    // MARK: book:softmax-backward
    return Tensor(shape: shape, data: output, inputs: [self], operation: "softmax") {
      [self] gradient in
      let dx = uninitializedArray(gradient.count) { dx in
        gradient.withUnsafeBufferPointer { g in
          output.withUnsafeBufferPointer { y in
            self.forEachLine(outer, size, inner) { start, step in
              if step == 1 {  // contiguous rows: the vectorised helper
                softmaxBackward(
                  output: y.baseAddress! + start, gradient: g.baseAddress! + start,
                  into: dx.baseAddress! + start, count: size)
                return
              }
              var dot: Float = 0
              for j in 0..<size { dot += g[start + j * step] * y[start + j * step] }
              for j in 0..<size {
                let i = start + j * step
                dx[i] = y[i] * (g[i] - dot)
              }
            }
          }
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
    let output = uninitializedArray(count) { y in
      data.withUnsafeBufferPointer { x in
        forEachLine(outer, size, inner) { start, step in
          let shift = logSumExp(x, start, step, size)
          for j in 0..<size { y[start + j * step] = x[start + j * step] - shift }
        }
      }
    }
    return Tensor(shape: shape, data: output, inputs: [self], operation: "logSoftmax") {
      [self] gradient in
      let dx = uninitializedArray(gradient.count) { dx in
        gradient.withUnsafeBufferPointer { g in
          output.withUnsafeBufferPointer { y in
            self.forEachLine(outer, size, inner) { start, step in
              var total: Float = 0
              for j in 0..<size { total += g[start + j * step] }
              for j in 0..<size {
                let i = start + j * step
                dx[i] = g[i] - FastMath.exp(y[i]) * total
              }
            }
          }
        }
      }
      self.accumulateGrad(dx)
    }
  }

  /// max + log Σ exp(x − max) over one line of values.
  @inline(__always)
  func logSumExp(
    _ x: UnsafeBufferPointer<Float>, _ start: Int, _ step: Int, _ size: Int
  ) -> Float {
    var largest = -Float.infinity
    for j in 0..<size { largest = Swift.max(largest, x[start + j * step]) }
    var total: Float = 0
    for j in 0..<size { total += FastMath.exp(x[start + j * step] - largest) }
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
  @inline(__always)
  func forEachLine(
    _ outer: Int, _ size: Int, _ inner: Int, _ body: (_ start: Int, _ step: Int) -> Void
  ) {
    // Lines are independent: shares of the outer index go to the workers.
    Parallel.forEach(outer, workPerItem: size * inner * 4) { o in
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
    shifts[row] = logits.data.withUnsafeBufferPointer {
      logits.logSumExp($0, row * classes, 1, classes)
    }
    total += Double(shifts[row] - logits.data[row * classes + target])
    counted += 1
  }
  // MARK: end
  // MARK: book:cross-entropy-backward
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


/// softmax of one contiguous row, in passes the compiler can vectorise: the maximum and
/// the sum use eight independent accumulators (one running total would be a chain of
/// dependent additions, which Float's rounding forbids the compiler to reorder).
@inline(__always)
func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
  var lanes = SIMD8<Float>(repeating: -.infinity)
  var j = 0
  while j + 8 <= n {
    lanes = pointwiseMax(
      lanes, UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self))
    j += 8
  }
  var largest = lanes.max()
  while j < n {
    largest = Swift.max(largest, x[j])
    j += 1
  }
  for i in 0..<n { y[i] = FastMath.exp(x[i] - largest) }
  let scale = 1 / sum(y, n)
  for i in 0..<n { y[i] *= scale }
}

/// Σ values, with eight partial sums.
@inline(__always)
func sum(_ values: UnsafePointer<Float>, _ n: Int) -> Float {
  var lanes = SIMD8<Float>(repeating: 0)
  var j = 0
  while j + 8 <= n {
    lanes += UnsafeRawPointer(values + j).loadUnaligned(as: SIMD8<Float>.self)
    j += 8
  }
  var total = lanes.sum()
  while j < n {
    total += values[j]
    j += 1
  }
  return total
}

/// Σ aᵢ·bᵢ, with eight partial sums.
@inline(__always)
func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
  var lanes = SIMD8<Float>(repeating: 0)
  var j = 0
  while j + 8 <= n {
    lanes +=
      UnsafeRawPointer(a + j).loadUnaligned(as: SIMD8<Float>.self)
      * UnsafeRawPointer(b + j).loadUnaligned(as: SIMD8<Float>.self)
    j += 8
  }
  var total = lanes.sum()
  while j < n {
    total += a[j] * b[j]
    j += 1
  }
  return total
}

/// Softmax of one contiguous row of `count` values, in place: the same arithmetic as
/// `Tensor.softmax` along a contiguous axis, for fused operations outside this module.
public func softmaxInPlace(_ row: UnsafeMutablePointer<Float>, count: Int) {
  softmaxRow(row, row, count)
}

/// The backward of one softmax row: dx = y · (g − Σ g·y), as `Tensor.softmax` computes
/// it. `dx` may be `gradient`.
public func softmaxBackward(
  output y: UnsafePointer<Float>, gradient g: UnsafePointer<Float>,
  into dx: UnsafeMutablePointer<Float>, count: Int
) {
  let dot = dotProduct(g, y, count)
  for j in 0..<count { dx[j] = y[j] * (g[j] - dot) }
}
