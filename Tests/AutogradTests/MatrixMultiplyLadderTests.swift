import Testing

@testable import Autograd

/// The hand-written products of Chapter 1 and Appendix A, held to BLAS on shapes that
/// do not fit their tiles and blocks evenly (every edge case of the packing).
@Suite("Matrix-multiply ladder")
struct MatrixMultiplyLadderTests {
  /// The largest difference from BLAS's product of random A [m, k] and B [k, n].
  func largestGap(_ multiply: HandWrittenProduct, m: Int, k: Int, n: Int) -> Float {
    var generator = SeededGenerator(seed: 7)
    let a = Tensor.normal([m, k], using: &generator)
    let b = Tensor.normal([k, n], using: &generator)
    let expected = matmul(a, b).data
    let product = multiply(a.data, b.data, m, k, n)
    #expect(product.count == expected.count)
    return zip(product, expected).map { abs($0 - $1) }.max() ?? .infinity
  }

  // 1 × 1 × 1; fewer rows than a tile; 70 rows (two row blocks, the second partial);
  // k = 300 (a full block of 256 and a partial one); 19 columns (a partial panel).
  @Test(arguments: [(1, 1, 1), (3, 5, 7), (70, 300, 19), (64, 256, 16), (9, 513, 33)])
  func everyRungAgreesWithBLAS(shape: (Int, Int, Int)) {
    let (m, k, n) = shape
    for (name, multiply) in handWrittenProducts {
      // Entries are sums of k products of N(0, 1) numbers, about √k ≤ 23 in size;
      // another order of addition moves them by ~1e-5.
      let gap = largestGap(multiply, m: m, k: k, n: n)
      #expect(gap < 1e-3, "\(name) on [\(m), \(k)]·[\(k), \(n)]: off by \(gap)")
    }
  }

  @Test func theCheckCatchesAWrongProduct() {
    // The tiled product with its last k block dropped: the comparison must see it.
    let dropsLastBlock: HandWrittenProduct = { a, b, m, k, n in
      let kept = 256
      let aKept = (0..<m).flatMap { i in a[(i * k)..<(i * k + kept)] }
      return matmulTiled(aKept, Array(b[0..<(kept * n)]), m: m, k: kept, n: n)
    }
    #expect(largestGap(dropsLastBlock, m: 70, k: 300, n: 19) > 1e-3)
  }
}
