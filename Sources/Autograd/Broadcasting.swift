// MARK: book:broadcast-shape
/// The shape two operands broadcast to, by NumPy's rule: align shapes on the right;
/// two sizes agree if they are equal or one of them is 1 (it is repeated).
public func broadcastShape(
  _ a: [Int], _ b: [Int], operation: @autoclosure () -> String = "broadcast"
) -> [Int] {
  let rank = max(a.count, b.count)
  var result = [Int](repeating: 1, count: rank)
  for axis in 0..<rank {
    let i = axis - (rank - a.count), j = axis - (rank - b.count)
    let x = i >= 0 ? a[i] : 1, y = j >= 0 ? b[j] : 1
    require(x == y || x == 1 || y == 1, operation(),
            "shapes \(describe(a)) and \(describe(b)) do not broadcast "
            + "(axis \(axis) from the left: \(x) vs \(y))")
    result[axis] = x == 1 ? y : x
  }
  return result
}
// MARK: end

/// How to walk a tensor of shape `shape` together with operands that broadcast to it.
///
/// Each operand gets a stride per axis (0 where it is broadcast). Adjacent axes that
/// every operand walks contiguously are merged, so the common cases (same shape, a
/// bias along the last axis, a scalar) become a few long rows: the inner loops run
/// over contiguous memory or repeat one value.
struct StridedLayout {
  private(set) var dims: [Int]
  private(set) var strides: [[Int]]

  init(shape: [Int], operands: [[Int]]) {
    let rank = shape.count
    var allStrides: [[Int]] = []
    for operand in operands {
      var s = [Int](repeating: 0, count: rank)
      var running = 1
      for axis in stride(from: rank - 1, through: 0, by: -1) {
        let j = axis - (rank - operand.count)
        let size = j >= 0 ? operand[j] : 1
        s[axis] = size == 1 ? 0 : running
        running *= size
      }
      allStrides.append(s)
    }
    self.init(shape: shape, strides: allStrides)
  }

  /// The walk over `shape` for operands with these strides per axis (one list per
  /// operand), such as a permuted tensor's.
  init(shape: [Int], strides allStrides: [[Int]]) {
    let rank = shape.count
    // Merge axis pairs (i, i+1) when every operand steps through them as one axis.
    var mergedDims: [Int] = []
    var mergedStrides: [[Int]] = Array(repeating: [], count: allStrides.count)
    for axis in 0..<rank where shape[axis] != 1 {
      if let last = mergedDims.last,
        allStrides.indices.allSatisfy({ k in
          mergedStrides[k].last! == allStrides[k][axis] * shape[axis]
        })
      {
        mergedDims[mergedDims.count - 1] = last * shape[axis]
        for k in allStrides.indices {
          mergedStrides[k][mergedStrides[k].count - 1] = allStrides[k][axis]
        }
      } else {
        mergedDims.append(shape[axis])
        for k in allStrides.indices { mergedStrides[k].append(allStrides[k][axis]) }
      }
    }
    if mergedDims.isEmpty {
      mergedDims = [1]
      mergedStrides = Array(repeating: [0], count: allStrides.count)
    }
    dims = mergedDims
    strides = mergedStrides
  }

  /// Length of the innermost (merged) axis.
  var rowLength: Int { dims[dims.count - 1] }
  /// Step of operand `k` along the innermost axis: 1 (contiguous) or 0 (repeated).
  func rowStride(_ k: Int) -> Int { strides[k][strides[k].count - 1] }

  /// The number of rows (every axis but the innermost).
  var rows: Int { dims.dropLast().reduce(1, *) }

  /// Calls `body` once per row with the starting offset of every operand. Inlined so
  /// that the element loop inside `body` is compiled together with its operation.
  @inline(__always)
  func forEachRow(_ body: (_ offsets: [Int]) -> Void) {
    forEachRow(in: 0..<rows, body)
  }

  /// The same for the rows in `range` only (a worker's share).
  @inline(__always)
  func forEachRow(in range: Range<Int>, _ body: (_ offsets: [Int]) -> Void) {
    let outer = dims.count - 1
    var index = [Int](repeating: 0, count: max(outer, 0))
    var offsets = [Int](repeating: 0, count: strides.count)
    // The odometer's position at the first row of the range.
    var rest = range.lowerBound
    for axis in stride(from: outer - 1, through: 0, by: -1) {
      index[axis] = rest % dims[axis]
      rest /= dims[axis]
      for k in offsets.indices { offsets[k] += strides[k][axis] * index[axis] }
    }
    for _ in range {
      body(offsets)
      // Odometer step over the outer axes, updating offsets incrementally.
      var axis = outer - 1
      while axis >= 0 {
        index[axis] += 1
        for k in offsets.indices { offsets[k] += strides[k][axis] }
        if index[axis] < dims[axis] { break }
        for k in offsets.indices { offsets[k] -= strides[k][axis] * dims[axis] }
        index[axis] = 0
        axis -= 1
      }
    }
  }
}

// MARK: book:binary-operator
/// An arithmetic operation on two numbers, as a type. `broadcastCombine` is generic
/// over it, so the compiler writes one specialised copy per operation with the
/// arithmetic inlined into its loops (vector code); a closure handed down to the
/// workers' loops stays an indirect call per element, several times slower.
protocol BinaryOperator {
  func callAsFunction(_ a: Float, _ b: Float) -> Float
}

struct Plus: BinaryOperator {
  @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b }
}
// MARK: end
struct Minus: BinaryOperator {
  @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b }
}
struct Times: BinaryOperator {
  @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b }
}
struct Over: BinaryOperator {
  @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b }
}
/// The second operand, spread to the broadcast shape (the first is ignored).
struct Second: BinaryOperator {
  @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b }
}

/// `op` applied elementwise to `x` and `y` broadcast to `shape`.
@inline(__always)
func broadcastCombine<Operator: BinaryOperator>(
  _ x: [Float], _ xShape: [Int], _ y: [Float], _ yShape: [Int], into shape: [Int],
  _ op: Operator
) -> [Float] {
  let count = shape.reduce(1, *)
  if xShape == yShape {
    return uninitializedArray(count) { o in
      x.withUnsafeBufferPointer { a in
        y.withUnsafeBufferPointer { b in
          Parallel.forEachShare(of: count) { share in
            for i in share { o[i] = op(a[i], b[i]) }
          }
        }
      }
    }
  }
  let layout = StridedLayout(shape: shape, operands: [shape, xShape, yShape])
  let n = layout.rowLength
  let sx = layout.rowStride(1), sy = layout.rowStride(2)
  // Every output element lies in exactly one row, so every one is written.
  return uninitializedArray(count) { o in
    x.withUnsafeBufferPointer { a in
      y.withUnsafeBufferPointer { b in
        // Rows are independent: a share of them per worker.
        Parallel.forEachShare(of: layout.rows, workPerItem: n) { rows in
          layout.forEachRow(in: rows) { offsets in
            let po = o.baseAddress! + offsets[0]
            let pa = a.baseAddress! + offsets[1], pb = b.baseAddress! + offsets[2]
            switch (sx, sy) {
            case (1, 1): for i in 0..<n { po[i] = op(pa[i], pb[i]) }
            case (1, 0): let v = pb[0]; for i in 0..<n { po[i] = op(pa[i], v) }
            case (0, 1): let v = pa[0]; for i in 0..<n { po[i] = op(v, pb[i]) }
            default: let v = op(pa[0], pb[0]); for i in 0..<n { po[i] = v }
            }
          }
        }
      }
    }
  }
}

/// An array of `count` Floats filled by `initialize`, which must write every element.
/// Skips the zero-fill of `[Float](repeating: 0, count:)`: a whole extra pass over
/// memory for outputs that are about to be overwritten anyway.
@inlinable @inline(__always)
public func uninitializedArray(
  _ count: Int, _ initialize: (UnsafeMutableBufferPointer<Float>) -> Void
) -> [Float] {
  [Float](unsafeUninitializedCapacity: count) { buffer, initializedCount in
    initialize(buffer)
    initializedCount = count
  }
}

// MARK: book:sum-to-shape
/// Sums `gradient` (of shape `shape`) down to `target`, a shape that broadcasts to
/// `shape`. This is the backward of broadcasting: a value that was repeated along
/// an axis receives the sum of the gradients of all its copies.
func sumToShape(_ gradient: [Float], from shape: [Int], to target: [Int]) -> [Float] {
  if shape == target { return gradient }
  var out = [Float](repeating: 0, count: target.reduce(1, *))
  let layout = StridedLayout(shape: shape, operands: [shape, target])
  let n = layout.rowLength
  let contiguousTarget = layout.rowStride(1) == 1
  out.withUnsafeMutableBufferPointer { o in
    gradient.withUnsafeBufferPointer { g in
      layout.forEachRow { offsets in
        let pg = g.baseAddress! + offsets[0], po = o.baseAddress! + offsets[1]
        if contiguousTarget {
          for i in 0..<n { po[i] += pg[i] }
        } else {
          var total: Float = 0
          for i in 0..<n { total += pg[i] }
          po[0] += total
        }
      }
    }
  }
  return out
}
// MARK: end
