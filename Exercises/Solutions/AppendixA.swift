// Solutions to the exercises of Appendix A.
import Autograd

public enum AppendixASolutions {
  /// The input's strides, then the output's axes in turn: skip size 1, fold an axis
  /// into the previous one when the input walks the two as one.
  public static func mergedAxes(
    _ shape: [Int], _ order: [Int]
  ) -> [(size: Int, stride: Int)]? {
    var strides = [Int](repeating: 1, count: shape.count)
    for axis in stride(from: shape.count - 2, through: 0, by: -1) {
      strides[axis] = strides[axis + 1] * shape[axis + 1]
    }
    var axes: [(size: Int, stride: Int)] = []
    for axis in order where shape[axis] != 1 {
      if let last = axes.last, last.stride == shape[axis] * strides[axis] {
        axes[axes.count - 1] = (last.size * shape[axis], strides[axis])
      } else {
        axes.append((shape[axis], strides[axis]))
      }
    }
    return axes.isEmpty ? [(1, 1)] : axes
  }

  /// Blocks of a fixed size, whatever the number of workers: each block's sum is
  /// computed by one worker in order, and the blocks' sums are added in order.
  public static func deterministicSum(_ values: [Float]) -> Float? {
    let block = 4096
    let blocks = (values.count + block - 1) / block
    var partial = [Float](repeating: 0, count: blocks)
    values.withUnsafeBufferPointer { x in
      partial.withUnsafeMutableBufferPointer { partial in
        Parallel.forEach(blocks, workPerItem: block) { b in
          var total: Float = 0
          for i in b * block..<Swift.min((b + 1) * block, x.count) { total += x[i] }
          partial[b] = total
        }
      }
    }
    return partial.reduce(0, +)
  }
}
