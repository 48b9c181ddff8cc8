// The matrix product written by hand, rung by rung: the ladder Chapter 1 starts and
// Appendix A climbs. None of these is used by the engine (`matmul` calls BLAS); they
// exist to be read and measured, and the tests hold each to BLAS. All take row-major
// A [m, k] and B [k, n] as plain arrays and return C = A·B [m, n].

// MARK: book:matmul-naive
/// C = A·B with the textbook loop order: the inner loop strides through B's columns.
public func matmulNaive(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
  var c = [Float](repeating: 0, count: m * n)
  for i in 0..<m {
    for j in 0..<n {
      var total: Float = 0
      for p in 0..<k { total += a[i * k + p] * b[p * n + j] }
      c[i * n + j] = total
    }
  }
  return c
}
// MARK: end

// MARK: book:matmul-loop-order
/// The same product with the loops in (i, k, j) order: every inner access is
/// contiguous, and the compiler vectorises it.
public func matmulLoopOrder(
  _ a: [Float], _ b: [Float], m: Int, k: Int, n: Int
)
  -> [Float]
{
  var c = [Float](repeating: 0, count: m * n)
  a.withUnsafeBufferPointer { a in
    b.withUnsafeBufferPointer { b in
      c.withUnsafeMutableBufferPointer { c in
        for i in 0..<m {
          let cRow = c.baseAddress! + i * n  // row i of C
          for p in 0..<k {
            let aip = a[i * k + p], bRow = b.baseAddress! + p * n  // row p of B
            for j in 0..<n { cRow[j] += aip * bRow[j] }
          }
        }
      }
    }
  }
  return c
}
// MARK: end

/// C = A·B from row-major A [m, k] and B [k, n], as each rung computes it.
public typealias HandWrittenProduct =
  @Sendable (_ a: [Float], _ b: [Float], _ m: Int, _ k: Int, _ n: Int) -> [Float]

// MARK: book:matmul-rungs
/// The rungs in the order the book climbs them, with the names the tables print:
/// Appendix A and the bench measure these, and the tests hold each to BLAS.
public let handWrittenProducts: [(name: String, multiply: HandWrittenProduct)] = [
  ("textbook loops (i, j, k)", { matmulNaive($0, $1, m: $2, k: $3, n: $4) }),
  ("loops in (i, k, j) order", { matmulLoopOrder($0, $1, m: $2, k: $3, n: $4) }),
  ("packed, blocked, 4 × 8 register tiles", { matmulTiled($0, $1, m: $2, k: $3, n: $4) }),
]
// MARK: end

/// The register tile of `matmulTiled`: `tileRows` rows of C by the eight columns of one
/// `SIMD8<Float>`, held in registers while the whole of k streams past. (`addTile`
/// writes its four sums out one by one, so a change here must change it too.)
let tileRows = 4
/// Rows of A (the block that stays in the second-level cache) and depth of k (a panel
/// of B of `blockDepth` × 8 stays in the first-level cache) per block.
let (blockRows, blockDepth) = (64, 256)

// MARK: book:matmul-tiled
/// C = A·B the way tuned libraries do it, in three layers. For each block of k and of
/// A's rows, copy ("pack") B's panels of 8 columns and A's strips of `tileRows` rows so
/// that the kernel reads both in the order it uses them; then every `tileRows` × 8 tile
/// of C is summed in registers over the block's k, and added to C once.
public func matmulTiled(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
  var c = [Float](repeating: 0, count: m * n)
  let panels = (n + 7) / 8
  var packedB = [Float](repeating: 0, count: blockDepth * 8 * panels)
  var packedA = [Float](repeating: 0, count: blockDepth * blockRows)
  for k0 in stride(from: 0, to: k, by: blockDepth) {
    let depth = min(blockDepth, k - k0)
    packPanels(of: b, rows: k0..<(k0 + depth), columns: n, into: &packedB)
    for i0 in stride(from: 0, to: m, by: blockRows) {
      let rows = min(blockRows, m - i0)
      packStrips(
        of: a, rows: i0..<(i0 + rows), columns: k0..<(k0 + depth), k: k,
        into: &packedA)
      // A panel of B stays in the first-level cache while every strip of the block
      // passes it; the block of A stays in the second.
      for panel in 0..<panels {
        for strip in 0..<((rows + tileRows - 1) / tileRows) {
          addTile(
            packedA, strip: strip, packedB, panel: panel, depth: depth,
            to: &c, row: i0 + strip * tileRows, rowLimit: i0 + rows,
            column: panel * 8, n: n)
        }
      }
    }
  }
  return c
}

/// One tile: C[row..<row+4, column..<column+8] += strip · panel, summed in registers.
@inline(__always)
func addTile(
  _ packedA: [Float], strip: Int, _ packedB: [Float], panel: Int, depth: Int,
  to c: inout [Float], row: Int, rowLimit: Int, column: Int, n: Int
) {
  var sums = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
  packedA.withUnsafeBufferPointer { a in
    packedB.withUnsafeBufferPointer { b in
      var aNext = a.baseAddress! + strip * depth * tileRows  // [depth, 4]
      var bNext = b.baseAddress! + panel * depth * 8  // [depth, 8]
      for _ in 0..<depth {
        let bRow = UnsafeRawPointer(bNext).loadUnaligned(as: SIMD8<Float>.self)
        sums.0 += SIMD8(repeating: aNext[0]) * bRow  // a * b + c: the default x86-64
        sums.1 += SIMD8(repeating: aNext[1]) * bRow  // target has no fused multiply-add
        sums.2 += SIMD8(repeating: aNext[2]) * bRow
        sums.3 += SIMD8(repeating: aNext[3]) * bRow
        aNext += tileRows
        bNext += 8
      }
    }
  }
  let columns = min(8, n - column)
  for (r, sum) in [sums.0, sums.1, sums.2, sums.3].enumerated() where row + r < rowLimit {
    for j in 0..<columns { c[(row + r) * n + column + j] += sum[j] }
  }
}
// MARK: end

/// B[rows, all columns] as panels of 8 columns, each [rows.count, 8], zero-padded at
/// the right edge.
func packPanels(
  of b: [Float], rows: Range<Int>, columns n: Int, into packed: inout [Float]
) {
  let depth = rows.count
  for panel in 0..<((n + 7) / 8) {
    for (p, row) in rows.enumerated() {
      for j in 0..<8 {
        let column = panel * 8 + j
        packed[(panel * depth + p) * 8 + j] = column < n ? b[row * n + column] : 0
      }
    }
  }
}

/// A[rows, columns] as strips of `tileRows` rows, each [columns.count, tileRows]
/// (column-major within the strip), zero-padded at the bottom edge.
func packStrips(
  of a: [Float], rows: Range<Int>, columns: Range<Int>, k: Int, into packed: inout [Float]
) {
  let depth = columns.count
  for strip in 0..<((rows.count + tileRows - 1) / tileRows) {
    for (p, column) in columns.enumerated() {
      for r in 0..<tileRows {
        let row = rows.lowerBound + strip * tileRows + r
        packed[(strip * depth + p) * tileRows + r] =
          row < rows.upperBound ? a[row * k + column] : 0
      }
    }
  }
}
