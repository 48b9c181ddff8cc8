import Autograd
import Exercises

/// Checkers for the exercises of Appendix A. Each compares the reader's answer with a
/// reference on hand-made cases and random ones; the second also runs it over one to
/// four workers.
public enum AppendixAChecks {
  /// One axis of a permute's walk: its size and the input's stride along it.
  public typealias Axis = (size: Int, stride: Int)

  /// Exercise 1: the axes a permute walks, merged.
  public static func mergedAxes(
    _ axes: (_ shape: [Int], _ order: [Int]) -> [Axis]?
  ) -> ExerciseResult {
    guard axes([2, 3], [1, 0]) != nil else { return .notAttempted("Exercise 1") }
    var findings = Findings()
    let hand: [([Int], [Int], [Axis], String)] = [
      ([2, 3, 4], [0, 1, 2], [(24, 1)], "nothing moves: one run of 24"),
      ([2, 3, 4], [0, 2, 1], [(2, 12), (4, 1), (3, 4)], "a transpose inside each of 2"),
      ([2, 3, 4, 5], [2, 3, 0, 1], [(20, 1), (6, 20)], "two pairs of axes swap"),
      ([8, 16, 4, 32], [0, 2, 1, 3], [(8, 2048), (4, 32), (16, 128), (32, 1)],
       "[B, T, h, d] → [B, h, T, d]: runs of d"),
      ([3, 1, 5], [1, 2, 0], [(5, 1), (3, 5)], "an axis of size 1 is dropped"),
    ]
    for (shape, order, expected, what) in hand {
      let got = axes(shape, order) ?? []
      findings.expect(
        same(got, expected),
        "\(shape) in order \(order) (\(what)): \(describe(expected)), "
          + "got \(describe(got))")
    }
    var g = SeededGenerator(seed: 41)
    var wrong: [String] = []
    for _ in 0..<300 {
      let rank = 1 + g.nextInt(below: 5)
      let shape = (0..<rank).map { _ in 1 + g.nextInt(below: 4) }
      var order = Array(0..<rank)
      for i in stride(from: rank - 1, to: 0, by: -1) {
        order.swapAt(i, g.nextInt(below: i + 1))
      }
      let got = axes(shape, order) ?? []
      let expected = referenceAxes(shape, order)
      if !same(got, expected) && wrong.count < 3 {
        wrong.append(
          "\(shape) in order \(order): \(describe(expected)), got \(describe(got))")
      }
      // The walk must copy the right values, whatever its axes.
      if wrong.isEmpty && !walkCopies(shape, order, got) {
        wrong.append(
          "\(shape) in order \(order): walking \(describe(got)) copies wrongly")
      }
    }
    findings.expect(
      wrong.isEmpty,
      "300 random permutations of up to 5 axes" + (wrong.isEmpty ? "" : ": ")
        + wrong.joined(separator: "; "))
    return findings.result
  }

  /// Exercise 2: a sum over the workers that gives the same bits for any number.
  public static func deterministicSum(_ sum: (_ values: [Float]) -> Float?)
    -> ExerciseResult
  {
    guard sum([1]) != nil else { return .notAttempted("Exercise 2") }
    var findings = Findings()
    let small = sum([1, 2, 3, 4]) ?? .nan
    findings.expect(small == 10, "1 + 2 + 3 + 4 = 10 (got \(small))")
    var g = SeededGenerator(seed: 42)
    var differing: [String] = [], inaccurate: [String] = []
    for count in [0, 1, 7, 1000, 65_537, 1 << 20, 3_000_001] {
      let values = (0..<count).map { _ in g.uniform(-1, 1) + 0.01 }
      let exact = values.reduce(0.0) { $0 + Double($1) }
      let results = (1...4).map { workers in
        Parallel.withWorkers(workers) { sum(values) ?? .nan }
      }
      if Set(results.map(\.bitPattern)).count != 1 {
        differing.append("\(count) values: \(results) with 1 to 4 workers")
      }
      let error = Swift.abs(Double(results[0]) - exact)
      if !(error <= 1e-6 * Double(count) + 1e-6) {
        inaccurate.append("\(count) values: \(results[0]), exactly \(exact)")
      }
    }
    findings.expect(
      inaccurate.isEmpty,
      "sums within float rounding of the exact ones" + (inaccurate.isEmpty ? "" : ": ")
        + inaccurate.joined(separator: "; "))
    findings.expect(
      differing.isEmpty,
      "the same bits with 1, 2, 3 and 4 workers" + (differing.isEmpty ? "" : ": ")
        + differing.joined(separator: "; "))
    return findings.result
  }

  /// The output's axes in order, each with the input's stride; size-1 axes dropped;
  /// an axis merged into the one before it when the input steps through the pair as
  /// through one axis (outer stride = inner size × inner stride).
  static func referenceAxes(_ shape: [Int], _ order: [Int]) -> [Axis] {
    var strides = [Int](repeating: 1, count: shape.count)
    for axis in stride(from: shape.count - 2, through: 0, by: -1) {
      strides[axis] = strides[axis + 1] * shape[axis + 1]
    }
    var merged: [Axis] = []
    for axis in order where shape[axis] != 1 {
      if let last = merged.last, last.stride == shape[axis] * strides[axis] {
        merged[merged.count - 1] = (last.size * shape[axis], strides[axis])
      } else {
        merged.append((shape[axis], strides[axis]))
      }
    }
    return merged.isEmpty ? [(1, 1)] : merged
  }

  /// Whether walking `axes` (an odometer over the sizes, reading the input at the
  /// strides) gives the permuted tensor, element by element.
  static func walkCopies(_ shape: [Int], _ order: [Int], _ axes: [Axis]) -> Bool {
    let count = shape.reduce(1, *)
    guard axes.reduce(1, { $0 * $1.size }) == count else { return false }
    let values = (0..<count).map(Float.init)
    let expected = Tensor(shape: shape, data: values).permuted(order).data
    var walked: [Float] = [], index = [Int](repeating: 0, count: axes.count)
    for _ in 0..<count {
      let offset = zip(index, axes).reduce(0) { $0 + $1.0 * $1.1.stride }
      guard offset >= 0 && offset < count else { return false }
      walked.append(values[offset])
      var axis = axes.count - 1
      while axis >= 0 {
        index[axis] += 1
        if index[axis] < axes[axis].size { break }
        index[axis] = 0
        axis -= 1
      }
    }
    return walked == expected
  }

  static func same(_ a: [Axis], _ b: [Axis]) -> Bool {
    a.count == b.count
      && zip(a, b).allSatisfy { $0.size == $1.size && $0.stride == $1.stride }
  }

  static func describe(_ axes: [Axis]) -> String {
    "[" + axes.map { "(\($0.size), \($0.stride))" }.joined(separator: ", ") + "]"
  }
}
