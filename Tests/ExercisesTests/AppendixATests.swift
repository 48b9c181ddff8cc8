import Autograd
import ExercisesA
import Solutions
import Testing

/// The solutions pass their checkers, and typical wrong answers do not.
@Suite("Appendix A exercises")
struct AppendixAExercises {
  @Test func mergedAxes() {
    #expect(AppendixAChecks.mergedAxes(AppendixASolutions.mergedAxes).passed)
    #expect(!AppendixAChecks.mergedAxes { _, _ in nil }.passed)
    // Never merging: right walk, but not the runs the checker asks for.
    let unmerged: ([Int], [Int]) -> [(size: Int, stride: Int)]? = { shape, order in
      var strides = [Int](repeating: 1, count: shape.count)
      for axis in stride(from: shape.count - 2, through: 0, by: -1) {
        strides[axis] = strides[axis + 1] * shape[axis + 1]
      }
      return order.map { (shape[$0], strides[$0]) }
    }
    #expect(!AppendixAChecks.mergedAxes(unmerged).passed)
    // Strides of the output instead of the input's.
    let outputStrides: ([Int], [Int]) -> [(size: Int, stride: Int)]? = { shape, order in
      [(shape.reduce(1, *), 1)]
    }
    #expect(!AppendixAChecks.mergedAxes(outputStrides).passed)
  }

  @Test func deterministicSum() {
    #expect(AppendixAChecks.deterministicSum(AppendixASolutions.deterministicSum).passed)
    #expect(!AppendixAChecks.deterministicSum { _ in nil }.passed)
    // One partial sum per worker's share: the shares move with the worker count.
    let perShare: ([Float]) -> Float? = { values in
      let shares = Parallel.workers
      var partial = [Float](repeating: 0, count: shares)
      values.withUnsafeBufferPointer { x in
        partial.withUnsafeMutableBufferPointer { partial in
          Parallel.forEachNumberedShare(of: x.count, minimumWork: 0) { share, range in
            var total: Float = 0
            for i in range { total += x[i] }
            partial[share] = total
          }
        }
      }
      return partial.reduce(0, +)
    }
    #expect(!AppendixAChecks.deterministicSum(perShare).passed)
  }
}
