import Platform
import Synchronization

/// The time one kind of operation took in a profiled computation.
public struct OperationTime: Sendable, Equatable {
  /// The operation's name, as its tensors record it ("matmul", "convolve", …).
  public let operation: String
  /// Tensors it made.
  public var calls = 0
  /// Forward seconds: for each tensor it made, the time since the previous tensor
  /// was made (so the Swift code between two operations counts towards the second).
  public var forwardSeconds = 0.0
  /// Seconds its backward closures ran.
  public var backwardSeconds = 0.0

  public var seconds: Double { forwardSeconds + backwardSeconds }
}

// MARK: book:operation-profile
/// Where a computation's time goes, per operation: the engine's own profiler.
///
/// Every operation ends by making its result tensor, so the forward time of an
/// operation is charged at that moment: the time since the previous tensor was made.
/// Backward closures are timed one by one. Nothing is sampled and nothing is missed
/// (the caller's code between operations is charged to the next one); outside
/// `measure`, the cost is one atomic load per tensor.
public enum OperationProfile {
  final class Recorder: @unchecked Sendable {  // used by the measuring task only
    var times: [String: OperationTime] = [:]
    var lastMark = ContinuousClock.now

    func charge(_ operation: StaticString, forward: Duration) {
      let name = "\(operation)"
      times[name, default: OperationTime(operation: name)].calls += 1
      times[name]!.forwardSeconds += forward.seconds
    }

    func charge(_ operation: StaticString, backward: Duration) {
      let name = "\(operation)"
      times[name, default: OperationTime(operation: name)].backwardSeconds +=
        backward.seconds
    }
  }

  @TaskLocal static var recorder: Recorder?
  /// How many measurements are running anywhere: zero keeps the hooks to one load.
  static let active = Atomic<Int>(0)

  /// Runs `body` and returns the time of each operation it ran, slowest first.
  public static func measure(_ body: () throws -> Void) rethrows -> [OperationTime] {
    let recorder = Recorder()
    active.add(1, ordering: .relaxed)
    defer { active.subtract(1, ordering: .relaxed) }
    try $recorder.withValue(recorder) { try body() }
    return recorder.times.values.sorted { $0.seconds > $1.seconds }
  }

  /// Runs `body`, which makes no tensors (an optimiser's update, say), and charges
  /// its time (and the time since the last tensor was made) to `name`.
  public static func charge<T>(_ name: StaticString, _ body: () throws -> T) rethrows -> T
  {
    guard let recorder else { return try body() }
    let result = try body()
    let end = ContinuousClock.now
    recorder.charge(name, forward: end - recorder.lastMark)
    recorder.lastMark = end
    return result
  }

  /// Called as an operation makes its result: charges it the time since the last mark.
  @inline(__always)
  static func tensorMade(by operation: StaticString) {
    guard active.load(ordering: .relaxed) > 0, let recorder else { return }
    let now = ContinuousClock.now
    recorder.charge(operation, forward: now - recorder.lastMark)
    recorder.lastMark = now
  }

  /// `backward` itself, or, while profiling, `backward` timed and charged.
  static func timed(
    _ operation: StaticString, _ backward: @escaping ([Float]) -> Void
  ) -> ([Float]) -> Void {
    guard active.load(ordering: .relaxed) > 0, let recorder else { return backward }
    return { gradient in
      let start = ContinuousClock.now
      backward(gradient)
      let end = ContinuousClock.now
      recorder.charge(operation, backward: end - start)
      recorder.lastMark = end  // the forward of what follows does not pay for this
    }
  }
}
// MARK: end
