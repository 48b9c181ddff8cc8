// The BLAS seam: OpenBLAS on Linux (tested), Apple's Accelerate on macOS (untested; it
// provides the same CBLAS calls and manages its own threads).
#if canImport(Accelerate)
  import Accelerate
#else
  import COpenBLAS
#endif
import CSupport

/// Process-wide settings for running the engine fast. Chapters and the bench call
/// `configure` once at start; tests do not need it.
public enum Engine {
  /// The engine's workers (`Parallel`), one BLAS thread (the engine splits big
  /// products itself), and a malloc that keeps freed tensor buffers for reuse.
  public static func configure(threads: Int) {
    Workers.count.store(max(1, threads), ordering: .relaxed)
    BLAS.setThreads(1)
    _ = mmi_keep_freed_memory()
  }
}

/// The BLAS library we multiply matrices with (OpenBLAS), and its settings.
public enum BLAS {
  /// Sets the number of threads OpenBLAS uses. The book uses 1 by default: two
  /// threads help only above ≈128³ and collapse when the machine is busy.
  public static func setThreads(_ count: Int) {
    #if canImport(Accelerate)
      requestedThreads = count  // Accelerate chooses its own threads
    #else
      openblas_set_num_threads(Int32(count))
    #endif
  }

  #if canImport(Accelerate)
    nonisolated(unsafe) static var requestedThreads = 1
    public static var threads: Int { requestedThreads }
    public static var coreName: String { "Accelerate" }
    public static var configuration: String { "Apple Accelerate" }
  #else
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// The CPU kernel OpenBLAS picked (e.g. "Haswell", "SkylakeX", "Zen").
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build configuration string.
    public static var configuration: String { String(cString: openblas_get_config()) }
  #endif

  /// C = op(A)·op(B) + beta·C on raw row-major buffers, for operations written outside
  /// this module (convolution). A is [M, K] (stored [K, M] if transposed), B is [K, N]
  /// (stored [N, K] if transposed), C is [M, N].
  @inlinable
  public static func multiply(
    transposingA: Bool = false, transposingB: Bool = false, m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    into c: UnsafeMutablePointer<Float>,
    beta: Float = 0
  ) {
    gemm(
      transposeA: transposingA, transposeB: transposingB, m: m, n: n, k: k, a, b, c,
      beta: beta)
  }
}

/// C = alpha·op(A)·op(B) + beta·C for row-major matrices, where op transposes when
/// asked. Transposes are flags to BLAS: no copy is made. With several workers a large
/// product is cut into bands of C's rows (or columns, when it has few rows), one per
/// worker; each band is an ordinary single-threaded product.
@usableFromInline
func gemm(
  transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
  _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
  beta: Float = 0
) {
  MatrixWork.record(m: m, n: n, k: k)
  let lda = transposeA ? m : k
  let ldb = transposeB ? k : n
  if m == 1 && n > 1 && k > 1 {
    // One row (a token at a time, in generation): a matrix–vector product. sgemm
    // would pack B into panels first, work that a single row never pays back.
    // op(A) is then k contiguous values whether or not A is transposed.
    cblas_sgemv(
      CblasRowMajor, transposeB ? CblasNoTrans : CblasTrans,
      Int32(transposeB ? n : k), Int32(transposeB ? k : n), 1, b, Int32(ldb), a, 1,
      beta, c, 1)
    return
  }
  func product(rows: Range<Int>, columns: Range<Int>) {
    // Row i of op(A) starts at a + i·lda (or a + i, transposed); column j of op(B)
    // at b + j (or b + j·ldb, transposed).
    let aBand = a + rows.lowerBound * (transposeA ? 1 : lda)
    let bBand = b + columns.lowerBound * (transposeB ? ldb : 1)
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
      transposeB ? CblasTrans : CblasNoTrans, Int32(rows.count), Int32(columns.count),
      Int32(k), 1, aBand, Int32(max(lda, 1)), bBand, Int32(max(ldb, 1)), beta,
      c + rows.lowerBound * n + columns.lowerBound, Int32(max(n, 1)))
  }
  // Bands of at least 32 rows (or, for a product with few rows, columns) keep each
  // worker's product efficient.
  let byRows = m >= 64
  let length = byRows ? m : n
  guard length >= 64 else { return product(rows: 0..<m, columns: 0..<n) }
  let bands = length / 32
  Parallel.forEachShare(of: bands, workPerItem: m * n * k / bands, minimumWork: 1 << 21) {
    share in
    let end = share.upperBound == bands ? length : share.upperBound * 32
    let band = share.lowerBound * 32..<end
    if byRows {
      product(rows: band, columns: 0..<n)
    } else {
      product(rows: 0..<m, columns: band)
    }
  }
}
