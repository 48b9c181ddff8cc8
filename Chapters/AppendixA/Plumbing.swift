// Appendix A's plumbing: clocks, rates and the tables they fill. The book does not
// print this file; the page shows what it measures.
import Autograd
import Notebook

/// sgemm on two size×size matrices, FLOP/s (the best of `repeats`).
func matrixMultiplyRate(size: Int, repeats: Int) -> Double {
  var generator = SeededGenerator(seed: 5)
  let a = Tensor.normal([size, size], using: &generator)
  let b = Tensor.normal([size, size], using: &generator)
  let seconds = bestSeconds(repeats: repeats) { _ = matmul(a, b) }
  return 2 * Double(size * size * size) / seconds
}

/// A plain loop c = a + b over `floats`-long arrays: bytes moved per second (two read,
/// one written), the rate a memory-bound operation cannot beat.
func streamingRate(floats: Int, repeats: Int) -> Double {
  var generator = SeededGenerator(seed: 6)
  let a = Tensor.uniform([floats], using: &generator).data
  let b = Tensor.uniform([floats], using: &generator).data
  let seconds = bestSeconds(repeats: repeats) { _ = plainAdd(a, b) }
  return 12 * Double(floats) / seconds
}

/// Elements per second of `body`, which combines `count` elements (best of `repeats`).
func elementRate(_ count: Int, repeats: Int, _ body: () -> Void) -> Double {
  Double(count) / bestSeconds(repeats: repeats, body)
}

/// The profile of `body` with the least total time of `repeats` runs (the machine's
/// other work only ever adds time).
func fastestProfile(repeats: Int, _ body: () -> Void) -> [OperationTime] {
  (0..<repeats).map { _ in OperationProfile.measure(body) }
    .min { total($0) < total($1) }!
}

/// Seconds in all of a profile.
func total(_ profile: [OperationTime]) -> Double {
  profile.reduce(0) { $0 + $1.seconds }
}

/// The table rows of a profile's `top` slowest operations, then the rest in one row.
func profileRows(_ profile: [OperationTime], top: Int) -> [[String]] {
  let whole = total(profile)
  func row(_ name: String, _ calls: Int, _ forward: Double, _ backward: Double)
    -> [String]
  {
    [
      name, "\(calls)", formattedDuration(forward), formattedDuration(backward),
      formatted(100 * (forward + backward) / whole, significantDigits: 2) + " %",
    ]
  }
  let rest = profile.dropFirst(top)
  return profile.prefix(top).map {
    row($0.operation, $0.calls, $0.forwardSeconds, $0.backwardSeconds)
  } + [
    row(
      "\(rest.count) others", rest.reduce(0) { $0 + $1.calls },
      rest.reduce(0) { $0 + $1.forwardSeconds },
      rest.reduce(0) { $0 + $1.backwardSeconds })
  ]
}

/// The best seconds of `body` with each worker count, measured in turns (1, 2, 1, 2,
/// …) so that a busy spell on the machine hurts every count alike.
func secondsByWorkers(_ counts: [Int], repeats: Int, _ body: () -> Void) -> [Double] {
  var best = [Double](repeating: .infinity, count: counts.count)
  for _ in 0..<repeats {
    for (k, workers) in counts.enumerated() {
      best[k] = min(best[k], Parallel.withWorkers(workers) { secondsTaken(body) })
    }
  }
  return best
}

/// 12.3 for 1.23e10.
func giga(_ value: Double) -> String { formatted(value / 1e9, significantDigits: 3) }

/// "12.3 MB" for a count of bytes.
func megabytes(_ bytes: Int) -> String {
  formatted(Double(bytes) / 1_048_576, significantDigits: 3) + " MB"
}

/// "2.4×".
func times(_ ratio: Double) -> String { formatted(ratio, significantDigits: 2) + "×" }
