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
/// product: every GEMM, including convolution's and attention's). Benchmarks and tests
/// read it to turn a step's time into GFLOP/s and to check formulas of a model's work;
/// work outside matrix multiplies is not counted.
///
/// The count belongs to the task that measures (a task-local tally), so tests running
/// side by side do not add to each other's counts; the engine's worker threads count
/// into the tally of the region's caller (`Parallel`).
public enum MatrixWork {
  final class Tally: Sendable {
    let flops = Atomic<Int>(0)
  }

  @TaskLocal static var tally: Tally?

  /// The matrix-multiply operations `body` performs (nested measures count for both).
  public static func measure(_ body: () throws -> Void) rethrows -> Int {
    let outer = tally
    let inner = Tally()
    try $tally.withValue(inner) { try body() }
    let flops = inner.flops.load(ordering: .relaxed)
    outer?.flops.add(flops, ordering: .relaxed)
    return flops
  }

  static func record(m: Int, n: Int, k: Int) {
    tally?.flops.add(2 * m * n * k, ordering: .relaxed)
  }
}
