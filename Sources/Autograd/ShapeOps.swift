extension Tensor {
  /// The same values seen with another shape (one axis may be −1: inferred).
  /// Storage is contiguous, so this is free: no values move.
  public func reshaped(_ newShape: [Int]) -> Tensor {
    var resolved = newShape
    let what = "reshaped(\(describe(newShape)))"
    if let unknown = newShape.firstIndex(of: -1) {
      let known = newShape.filter { $0 != -1 }.reduce(1, *)
      require(
        newShape.filter { $0 == -1 }.count == 1 && known > 0 && count % known == 0,
        what, "cannot infer the -1 axis for \(count) values")
      resolved[unknown] = count / known
    }
    require(
      resolved.reduce(1, *) == count, what,
      "shape \(describe(shape)) has \(count) values, "
        + "\(describe(resolved)) needs \(resolved.reduce(1, *))")
    return Tensor(shape: resolved, data: data, inputs: [self], operation: "reshape") {
      [self] g in self.accumulateGrad(g)
    }
  }

  // MARK: book:permute
  /// Reorders the axes: result axis i is input axis `order[i]`. Values are copied into
  /// the new row-major order (a transpose is a real data movement with contiguous
  /// storage); the backward applies the inverse permutation.
  public func permuted(_ order: [Int]) -> Tensor {
    require(
      order.sorted() == Array(0..<rank), "permuted(\(order))",
      "needs a permutation of 0..<\(rank) for shape \(describe(shape))")
    let outShape = order.map { shape[$0] }
    let out = permute(data, shape: shape, order: order)
    var inverse = [Int](repeating: 0, count: rank)
    for (i, axis) in order.enumerated() { inverse[axis] = i }
    return Tensor(shape: outShape, data: out, inputs: [self], operation: "permute") {
      [self] g in
      self.accumulateGrad(permute(g, shape: outShape, order: inverse))
    }
  }
  // MARK: end

  /// Swaps two axes (by default the last two: a matrix transpose).
  public func transposed(_ axis0: Int = -2, _ axis1: Int = -1) -> Tensor {
    let a = axis0 < 0 ? axis0 + rank : axis0, b = axis1 < 0 ? axis1 + rank : axis1
    require(
      a >= 0 && a < rank && b >= 0 && b < rank, "transposed(\(axis0), \(axis1))",
      "axes out of range for shape \(describe(shape))")
    var order = Array(0..<rank)
    order.swapAt(a, b)
    return permuted(order)
  }

  /// Elements `range` along `axis`.
  public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
    let ax = axis < 0 ? axis + rank : axis
    let what = "sliced(axis: \(axis), \(range))"
    require(ax >= 0 && ax < rank, what, "axis out of range for \(describe(shape))")
    require(
      range.lowerBound >= 0 && range.upperBound <= shape[ax], what,
      "range out of bounds for axis of size \(shape[ax])")
    let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
    let size = shape[ax], width = range.count
    var outShape = shape
    outShape[ax] = width
    var out = [Float](repeating: 0, count: outer * width * inner)
    for o in 0..<outer {
      let source = (o * size + range.lowerBound) * inner
      out.replaceSubrange(
        o * width * inner..<(o + 1) * width * inner,
        with: data[source..<source + width * inner])
    }
    let inputCount = count
    return Tensor(shape: outShape, data: out, inputs: [self], operation: "slice") {
      [self] g in
      var dx = [Float](repeating: 0, count: inputCount)
      for o in 0..<outer {
        let target = (o * size + range.lowerBound) * inner
        dx.replaceSubrange(
          target..<target + width * inner,
          with: g[o * width * inner..<(o + 1) * width * inner])
      }
      self.accumulateGrad(dx)
    }
  }

  /// Joins tensors along `axis`; all other axes must agree.
  public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
    require(!tensors.isEmpty, "concatenate", "needs at least one tensor")
    let first = tensors[0]
    let ax = axis < 0 ? axis + first.rank : axis
    for t in tensors {
      var a = t.shape, b = first.shape
      require(
        a.count == b.count && ax >= 0 && ax < a.count, "concatenate(axis: \(axis))",
        "shapes \(describe(first.shape)) and \(describe(t.shape)) differ in rank")
      a[ax] = 0
      b[ax] = 0
      require(
        a == b, "concatenate(axis: \(axis))",
        "shapes \(describe(first.shape)) and \(describe(t.shape)) differ "
          + "outside axis \(ax)")
    }
    let outer = first.shape[..<ax].reduce(1, *)
    let inner = first.shape[(ax + 1)...].reduce(1, *)
    let widths = tensors.map { $0.shape[ax] * inner }
    let total = widths.reduce(0, +)
    var outShape = first.shape
    outShape[ax] = tensors.map { $0.shape[ax] }.reduce(0, +)
    var out = [Float]()
    out.reserveCapacity(outer * total)
    for o in 0..<outer {
      for (t, w) in zip(tensors, widths) { out += t.data[o * w..<(o + 1) * w] }
    }
    return Tensor(shape: outShape, data: out, inputs: tensors, operation: "concatenate") {
      g in
      var start = 0
      for (t, w) in zip(tensors, widths) {
        if t.requiresGrad {
          var dx = [Float]()
          dx.reserveCapacity(outer * w)
          for o in 0..<outer { dx += g[(o * total + start)..<(o * total + start + w)] }
          t.accumulateGrad(dx)
        }
        start += w
      }
    }
  }

  /// Stacks same-shaped tensors along a new axis.
  public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    require(!tensors.isEmpty, "stack", "needs at least one tensor")
    let shape = tensors[0].shape
    let ax = axis < 0 ? axis + shape.count + 1 : axis
    for t in tensors {
      require(
        t.shape == shape, "stack",
        "shapes \(describe(shape)) and \(describe(t.shape)) differ")
    }
    var expanded = shape
    expanded.insert(1, at: ax)
    return concatenate(tensors.map { $0.reshaped(expanded) }, axis: ax)
  }

  // MARK: book:gather
  /// Rows of a [V, C] table picked by index: an embedding lookup. The result has shape
  /// indexShape + [C]. Backward adds each row's gradient back into the row it came
  /// from; a row picked twice receives both gradients.
  public func gatherRows(_ indices: [Int], indexShape: [Int]? = nil) -> Tensor {
    require(rank == 2, "gatherRows", "needs a [V, C] table, got \(describe(shape))")
    let (rows, width) = (shape[0], shape[1])
    let outShape = (indexShape ?? [indices.count]) + [width]
    require(
      outShape.dropLast().reduce(1, *) == indices.count, "gatherRows",
      "index shape \(describe(Array(outShape.dropLast()))) does not hold "
        + "\(indices.count) indices")
    var out = [Float](repeating: 0, count: indices.count * width)
    for (i, row) in indices.enumerated() {
      require(
        row >= 0 && row < rows, "gatherRows",
        "index \(row) is out of range for a table of \(rows) rows")
      out.replaceSubrange(
        i * width..<(i + 1) * width,
        with: data[row * width..<(row + 1) * width])
    }
    let tableCount = count
    return Tensor(shape: outShape, data: out, inputs: [self], operation: "gather") {
      [self] g in
      var dTable = [Float](repeating: 0, count: tableCount)
      for (i, row) in indices.enumerated() {
        for j in 0..<width { dTable[row * width + j] += g[i * width + j] }
      }
      self.accumulateGrad(dTable)
    }
  }
  // MARK: end

  /// Where `mask` is true, `value`; elsewhere this tensor's element. The mask
  /// broadcasts to this tensor's shape. No gradient flows to filled positions.
  /// (An attention mask fills −∞ before the softmax.)
  public func maskedFill(_ mask: Mask, with value: Float) -> Tensor {
    let shape = broadcastShape(self.shape, mask.shape, operation: "maskedFill")
    require(
      shape == self.shape, "maskedFill",
      "mask \(describe(mask.shape)) must broadcast to \(describe(self.shape))")
    let keep = broadcastCombine(
      data, shape, mask.values, mask.shape, into: shape, Second())
    var out = data
    for i in 0..<out.count where keep[i] != 0 { out[i] = value }
    return Tensor(shape: shape, data: out, inputs: [self], operation: "maskedFill") {
      [self] g in
      var dx = g
      for i in 0..<dx.count where keep[i] != 0 { dx[i] = 0 }
      self.accumulateGrad(dx)
    }
  }
}

/// A boolean tensor for `maskedFill` and `where`, stored as 0/1 Floats.
public struct Mask: Sendable {
  public let shape: [Int]
  let values: [Float]

  public init(shape: [Int], _ flags: [Bool]) {
    require(
      flags.count == shape.reduce(1, *), "Mask",
      "shape \(describe(shape)) needs \(shape.reduce(1, *)) flags, got \(flags.count)")
    self.shape = shape
    self.values = flags.map { $0 ? 1 : 0 }
  }

  /// The causal mask of a decoder: position i may not look at j > i (true = hidden).
  public static func causal(_ length: Int) -> Mask {
    Mask(
      shape: [length, length],
      (0..<length * length).map { $0 % length > $0 / length })
  }
}

/// Picks `a` where the condition holds and `b` elsewhere (all three broadcast).
/// Each input receives the gradient of the positions it supplied.
public func select(_ condition: Mask, _ a: Tensor, _ b: Tensor) -> Tensor {
  let shape = broadcastShape(
    broadcastShape(a.shape, b.shape, operation: "select"),
    condition.shape, operation: "select")
  let zeros = [Float](repeating: 0, count: shape.reduce(1, *))
  let c = broadcastCombine(
    zeros, shape, condition.values, condition.shape, into: shape, Second())
  let aSpread = broadcastCombine(zeros, shape, a.data, a.shape, into: shape, Second())
  let bSpread = broadcastCombine(zeros, shape, b.data, b.shape, into: shape, Second())
  var out = [Float](repeating: 0, count: c.count)
  for i in 0..<c.count { out[i] = c[i] != 0 ? aSpread[i] : bSpread[i] }
  return Tensor(shape: shape, data: out, inputs: [a, b], operation: "select") { g in
    if a.requiresGrad {
      let ga = zip(g, c).map { $1 != 0 ? $0 : 0 }
      a.accumulateGrad(sumToShape(ga, from: shape, to: a.shape))
    }
    if b.requiresGrad {
      let gb = zip(g, c).map { $1 != 0 ? 0 : $0 }
      b.accumulateGrad(sumToShape(gb, from: shape, to: b.shape))
    }
  }
}

/// Copies `values` (of `shape`) into the axis order `order`.
func permute(_ values: [Float], shape: [Int], order: [Int]) -> [Float] {
  let rank = shape.count
  var inputStrides = [Int](repeating: 1, count: rank)
  for axis in stride(from: rank - 2, through: 0, by: -1) {
    inputStrides[axis] = inputStrides[axis + 1] * shape[axis + 1]
  }
  let outShape = order.map { shape[$0] }
  var outStrides = [Int](repeating: 1, count: rank)
  for axis in stride(from: rank - 2, through: 0, by: -1) {
    outStrides[axis] = outStrides[axis + 1] * outShape[axis + 1]
  }
  // Walk the output in order, the input along the permuted strides; axes that stay
  // together in both are merged, so a kept last axis is a run of contiguous copies.
  let layout = StridedLayout(
    shape: outShape, strides: [outStrides, order.map { inputStrides[$0] }])
  let n = layout.rowLength, step = layout.rowStride(1)
  return uninitializedArray(values.count) { o in
    values.withUnsafeBufferPointer { x in
      Parallel.forEachShare(of: layout.rows, workPerItem: n) { rows in
        layout.forEachRow(in: rows) { offsets in
          let target = o.baseAddress! + offsets[0], source = x.baseAddress! + offsets[1]
          if step == 1 {
            target.update(from: source, count: n)
          } else {
            for i in 0..<n { target[i] = source[i * step] }
          }
        }
      }
    }
  }
}
