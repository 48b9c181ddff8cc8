import Autograd
import Foundation

/// One measured figure, as `Bench --json FILE` writes it: what, in which unit, how
/// much, at how many threads.
struct Figure {
  var name: String
  var unit: String
  var value: Double
  var threads: Int

  var json: [String: Any] {
    ["name": name, "unit": unit, "value": value, "threads": threads]
  }
}

/// The figures of one run, in the order they were measured. The bench is one thread
/// of control, so the shared list needs no lock.
final class FigureLog: @unchecked Sendable {
  static let shared = FigureLog()
  private(set) var figures: [Figure] = []

  func record(_ name: String, _ value: Double, unit: String) {
    figures.append(
      Figure(name: name, unit: unit, value: value, threads: Parallel.workers))
  }

  /// Writes every figure as one JSON object: {"figures": [{name, unit, value,
  /// threads}, …], "blasCore": …}.
  func write(to path: String, blasCore: String) throws {
    let object: [String: Any] = [
      "blasCore": blasCore, "threads": Parallel.workers, "figures": figures.map(\.json),
    ]
    let data = try JSONSerialization.data(
      withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    // Written beside, then renamed over: a reader never sees half a file.
    let temporary = path + ".partial"
    try data.write(to: URL(fileURLWithPath: temporary))
    guard rename(temporary, path) == 0 else {
      throw BenchFileError.malformed(path, "could not be replaced (errno \(errno))")
    }
  }
}

/// Medians are what both benches compare (the peer reports medians); the bench's
/// printed tables keep the best of several runs.
func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  guard !sorted.isEmpty else { return .nan }
  let middle = sorted.count / 2
  return sorted.count % 2 == 1
    ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
