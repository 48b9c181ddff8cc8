// MARK: book:matmul
/// Matrix product over the last two axes: [..., M, K] · [..., K, N] → [..., M, N].
///
/// `transposingA`/`transposingB` multiply by the transpose of a stored matrix
/// (stored [..., K, M] or [..., N, K]) by telling BLAS, not by copying. `b` may be a
/// single matrix shared by every batch element (a weight); then, if `a` is not
/// transposed, the batch folds into M and the product is one BLAS call.
public func matmul(
  _ a: Tensor, _ b: Tensor, transposingA: Bool = false, transposingB: Bool = false
) -> Tensor {
  let p = MatmulShapes(a.shape, b.shape, transposingA, transposingB)
  // BLAS overwrites C (beta = 0), so C needs no zero-fill, unless K = 0 (an empty sum).
  let out = uninitializedArray(p.batch * p.m * p.n) { pc in
    if p.k == 0 { pc.initialize(repeating: 0); return }
    a.data.withUnsafeBufferPointer { pa in
      b.data.withUnsafeBufferPointer { pb in
        p.forEachProduct(aStride: p.m * p.k, bStride: p.k * p.n, cStride: p.m * p.n) {
          m, i, aOffset, bOffset, cOffset in
          gemm(transposeA: transposingA, transposeB: transposingB, m: m, n: p.n, k: p.k,
               pa.baseAddress! + aOffset, pb.baseAddress! + bOffset,
               pc.baseAddress! + cOffset)
        }
      }
    }
  }
  let aData = a.data, bData = b.data
  return Tensor(shape: p.outShape, data: out, inputs: [a, b], operation: "matmul") { g in
    if a.requiresGrad {
      a.accumulateGrad(p.gradientOfA(g, bData, transposingA, transposingB))
    }
    if b.requiresGrad {
      b.accumulateGrad(p.gradientOfB(g, aData, transposingA, transposingB))
    }
  }
}
// MARK: end

/// The sizes of one (batched) matrix product, and the backward products.
struct MatmulShapes {
  let m: Int, k: Int, n: Int
  let batch: Int
  let aIsBatched: Bool, bIsBatched: Bool
  let outShape: [Int]
  /// b is one shared matrix and a is not transposed: fold the batch into M.
  let foldsBatch: Bool

  init(_ aShape: [Int], _ bShape: [Int], _ transposingA: Bool, _ transposingB: Bool) {
    let what = "matmul(\(describe(aShape)), \(describe(bShape)))"
    require(aShape.count >= 2 && bShape.count >= 2, what,
            "both operands need at least 2 axes (reshape a vector to [1, n] or [n, 1])")
    let (ma, ka) = (aShape[aShape.count - 2], aShape[aShape.count - 1])
    let (kb, nb) = (bShape[bShape.count - 2], bShape[bShape.count - 1])
    m = transposingA ? ka : ma
    k = transposingA ? ma : ka
    let kOfB = transposingB ? nb : kb
    n = transposingB ? kb : nb
    require(k == kOfB, what,
            "inner sizes differ: \(k) vs \(kOfB)"
            + (transposingA || transposingB ? " (after transposing)" : ""))
    let batchA = Array(aShape.dropLast(2)), batchB = Array(bShape.dropLast(2))
    require(batchA == batchB || batchA.isEmpty || batchB.isEmpty, what,
            "batch axes \(describe(batchA)) and \(describe(batchB)) differ")
    aIsBatched = !batchA.isEmpty
    bIsBatched = !batchB.isEmpty
    let batchShape = aIsBatched ? batchA : batchB
    batch = batchShape.reduce(1, *)
    outShape = batchShape + [m, n]
    foldsBatch = !bIsBatched && !transposingA
  }

  /// Calls `body(rows, batchIndex, aOffset, bOffset, cOffset)` per BLAS call.
  func forEachProduct(
    aStride: Int, bStride: Int, cStride: Int,
    _ body: (_ rows: Int, _ i: Int, _ a: Int, _ b: Int, _ c: Int) -> Void
  ) {
    if foldsBatch {
      body(batch * m, 0, 0, 0, 0)
      return
    }
    for i in 0..<batch {
      body(m, i, aIsBatched ? i * aStride : 0, bIsBatched ? i * bStride : 0, i * cStride)
    }
  }

  /// dA: for C = A·B it is dC·Bᵀ; for A stored transposed it is B·dCᵀ.
  func gradientOfA(
    _ g: [Float], _ b: [Float], _ transposingA: Bool, _ transposingB: Bool
  ) -> [Float] {
    let count = (aIsBatched ? batch : 1) * m * k
    // The first product into each region has beta = 0 and overwrites it, so the
    // buffer needs no zero-fill (unless a size is 0 and BLAS writes nothing).
    if m == 0 || n == 0 || k == 0 { return [Float](repeating: 0, count: count) }
    return uninitializedArray(count) { pa in
      g.withUnsafeBufferPointer { pg in
        b.withUnsafeBufferPointer { pb in
          forEachProduct(aStride: m * k, bStride: k * n, cStride: m * n) {
            rows, i, aOffset, bOffset, cOffset in
            // A shared (unbatched) A sums its gradient over the batch: beta = 1.
            let beta: Float = (aIsBatched || i == 0) ? 0 : 1
            if transposingA {
              gemm(transposeA: transposingB, transposeB: true, m: k, n: rows, k: n,
                   pb.baseAddress! + bOffset, pg.baseAddress! + cOffset,
                   pa.baseAddress! + aOffset, beta: beta)
            } else {
              gemm(transposeA: false, transposeB: !transposingB, m: rows, n: k, k: n,
                   pg.baseAddress! + cOffset, pb.baseAddress! + bOffset,
                   pa.baseAddress! + aOffset, beta: beta)
            }
          }
        }
      }
    }
  }

  /// dB: for C = A·B it is Aᵀ·dC; for B stored transposed it is dCᵀ·A.
  func gradientOfB(
    _ g: [Float], _ a: [Float], _ transposingA: Bool, _ transposingB: Bool
  ) -> [Float] {
    let count = (bIsBatched ? batch : 1) * k * n
    if m == 0 || n == 0 || k == 0 { return [Float](repeating: 0, count: count) }
    return uninitializedArray(count) { pb in
      g.withUnsafeBufferPointer { pg in
        a.withUnsafeBufferPointer { pa in
          forEachProduct(aStride: m * k, bStride: k * n, cStride: m * n) {
            rows, i, aOffset, bOffset, cOffset in
            let beta: Float = (bIsBatched || i == 0) ? 0 : 1
            if transposingB {
              gemm(transposeA: true, transposeB: transposingA, m: n, n: k, k: rows,
                   pg.baseAddress! + cOffset, pa.baseAddress! + aOffset,
                   pb.baseAddress! + bOffset, beta: beta)
            } else {
              gemm(transposeA: !transposingA, transposeB: false, m: k, n: n, k: rows,
                   pa.baseAddress! + aOffset, pg.baseAddress! + cOffset,
                   pb.baseAddress! + bOffset, beta: beta)
            }
          }
        }
      }
    }
  }
}
