import Synchronization

/// Counts the bytes of tensor storage the engine creates: the values of every tensor
/// made (leaf or result) and every gradient array passed back during `backward()`.
/// Benchmarks read it before and after a call to report the memory traffic a layer
/// causes; it costs one relaxed atomic add per tensor.
public enum TensorAllocations {
  private static let counter = Atomic<Int>(0)

  /// Bytes counted since the program started.
  public static var bytes: Int { counter.load(ordering: .relaxed) }

  /// The bytes of tensor storage `body` creates.
  public static func measure(_ body: () throws -> Void) rethrows -> Int {
    let before = bytes
    try body()
    return bytes - before
  }

  static func record(floats: Int) {
    counter.add(floats * MemoryLayout<Float>.size, ordering: .relaxed)
  }
}

/// Counts the floating-point operations of the engine's matrix multiplies (2·M·N·K per
/// product: every GEMM, including convolution's and attention's). Benchmarks read it to
/// turn a step's time into GFLOP/s; work outside matrix multiplies is not counted.
public enum MatrixWork {
  private static let counter = Atomic<Int>(0)

  /// Operations counted since the program started.
  public static var flops: Int { counter.load(ordering: .relaxed) }

  /// The matrix-multiply operations `body` performs.
  public static func measure(_ body: () throws -> Void) rethrows -> Int {
    let before = flops
    try body()
    return flops - before
  }

  @usableFromInline
  static func record(m: Int, n: Int, k: Int) {
    counter.add(2 * m * n * k, ordering: .relaxed)
  }
}
