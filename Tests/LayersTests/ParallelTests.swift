import Autograd
import Layers
import Synchronization
import Testing

/// The outputs and input gradients of `function` at `inputs`, backward from a fixed
/// random direction, computed with `workers` workers.
func valuesAndGradients(
  workers: Int, _ inputs: [Tensor], _ function: ([Tensor]) -> Tensor
) -> [[Float]] {
  Parallel.withWorkers(workers) {
    for input in inputs { input.zeroGrad() }
    let output = function(inputs)
    var g = SeededGenerator(seed: 99)
    output.backward(gradient: (0..<output.count).map { _ in g.uniform(-1, 1) })
    return [output.data] + inputs.map { $0.gradValues ?? [] }
  }
}

func largestGap(_ a: [[Float]], _ b: [[Float]]) -> Float {
  zip(a, b).flatMap { zip($0, $1).map { Swift.abs($0 - $1) } }.max() ?? .infinity
}

@Suite("Several workers")
struct ParallelTests {
  @Test(arguments: [1, 2, 3, 7, 100, 1000])
  func sharesCoverEveryIndexOnce(count: Int) {
    for workers in [2, 3] {
      let visits = Mutex([Int](repeating: 0, count: count))
      let shares = Atomic<Int>(0)
      Parallel.withWorkers(workers) {
        Parallel.forEachShare(of: count, minimumWork: 0) { share in
          shares.add(1, ordering: .relaxed)
          visits.withLock { visits in for i in share { visits[i] += 1 } }
        }
      }
      let counts = visits.withLock { $0 }
      #expect(counts.allSatisfy { $0 == 1 })
      #expect(shares.load(ordering: .relaxed) == Swift.min(workers, count))
    }
  }

  @Test func smallWorkStaysOnTheCallingThread() {
    let shares = Atomic<Int>(0)
    Parallel.withWorkers(2) {
      Parallel.forEachShare(of: 10, workPerItem: 1, minimumWork: 1000) { _ in
        shares.add(1, ordering: .relaxed)
      }
    }
    #expect(shares.load(ordering: .relaxed) == 1)
  }

  @Test func matrixProductsCutIntoBandsAgree() {
    // Large enough to be cut (tall: bands of rows; wide and short: of columns), with
    // every transpose.
    var g = SeededGenerator(seed: 1)
    for (m, k, n) in [(200, 130, 150), (40, 300, 500)] {
      let a = Tensor.normal([m, k], using: &g, requiresGrad: true)
      let b = Tensor.normal([k, n], using: &g, requiresGrad: true)
      let one = valuesAndGradients(workers: 1, [a, b]) { matmul($0[0], $0[1]) }
      let two = valuesAndGradients(workers: 2, [a, b]) { matmul($0[0], $0[1]) }
      // OpenBLAS computes a band's edge rows and columns with other kernels, which may
      // round the last bit differently: equal to within float rounding, not exactly.
      let scale = one.flatMap { $0 }.map { Swift.abs($0) }.max()!
      #expect(largestGap(one, two) <= 1e-6 * scale, "\(m)×\(k)×\(n)")
      let work = MatrixWork.measure {
        _ = Parallel.withWorkers(2) { withoutGradient { matmul(a, b) } }
      }
      #expect(work == 2 * m * n * k, "\(work)")  // the helpers' bands count too
    }
  }

  @Test func convolutionOverSharesOfImages() {
    var g = SeededGenerator(seed: 2)
    let x = Tensor.normal([6, 8, 12, 12], using: &g, requiresGrad: true)
    let w = Tensor.normal([16, 8, 3, 3], using: &g, requiresGrad: true)
    let convolution: ([Tensor]) -> Tensor = { convolve($0[0], $0[1], padding: 1) }
    let one = valuesAndGradients(workers: 1, [x, w], convolution)
    let two = valuesAndGradients(workers: 2, [x, w], convolution)
    // Output and input gradient are computed image by image: identical. The kernel's
    // gradient is summed per worker, then the partial sums are added: the same sum in
    // another order.
    #expect(largestGap(Array(one[0...1]), Array(two[0...1])) == 0)
    let scale = one[2].map { Swift.abs($0) }.max()!
    #expect(largestGap([one[2]], [two[2]]) <= 1e-5 * scale)
  }

  @Test func convolutionBiasIsTheBroadcastAdd() {
    // The bias added inside the convolution gives the bits of adding it afterwards
    // (values and every gradient); over two workers its gradient is summed per share.
    var g = SeededGenerator(seed: 4)
    let x = Tensor.normal([5, 6, 9, 9], using: &g, requiresGrad: true)
    let w = Tensor.normal([7, 6, 3, 3], using: &g, requiresGrad: true)
    let b = Tensor.normal([7], using: &g, requiresGrad: true)
    let fused: ([Tensor]) -> Tensor = { convolve($0[0], $0[1], bias: $0[2], padding: 1) }
    let composed: ([Tensor]) -> Tensor = {
      convolve($0[0], $0[1], padding: 1) + $0[2].reshaped([7, 1, 1])
    }
    let one = valuesAndGradients(workers: 1, [x, w, b], fused)
    #expect(largestGap(one, valuesAndGradients(workers: 1, [x, w, b], composed)) == 0)
    let two = valuesAndGradients(workers: 2, [x, w, b], fused)
    #expect(largestGap(Array(one[0...1]), Array(two[0...1])) == 0)
    let scale = one[3].map { Swift.abs($0) }.max()!
    #expect(largestGap([one[3]], [two[3]]) <= 1e-5 * scale)
    // The comparison can fail: a bias of the wrong sign is seen.
    let wrong = valuesAndGradients(workers: 1, [x, w, b]) {
      convolve($0[0], $0[1], padding: 1) - $0[2].reshaped([7, 1, 1])
    }
    #expect(largestGap(one, wrong) > 0.1)
  }

  @Test func elementwiseNormalisationAndSoftmaxAreExact() {
    var g = SeededGenerator(seed: 3)
    let x = Tensor.normal([4, 16, 24, 24], using: &g, requiresGrad: true)
    let y = Tensor.normal([4, 16, 24, 24], using: &g, requiresGrad: true)
    let gain = Tensor.normal([16], using: &g, requiresGrad: true)
    let bias = Tensor.normal([16], using: &g, requiresGrad: true)
    let inputs = [x, y, gain, bias]
    let function: ([Tensor]) -> Tensor = { t in
      let normalised = groupNormalized(
        t[0] * t[1] + t[0], groups: 4, gain: t[2], bias: t[3], epsilon: 1e-5)
      return normalised.silu().reshaped([4 * 16 * 24, 24]).softmax()
    }
    let one = valuesAndGradients(workers: 1, inputs, function)
    let three = valuesAndGradients(workers: 3, inputs, function)
    #expect(largestGap(one, three) == 0)
  }

  @Test func broadcastArithmeticIsExact() {
    // Rows of every broadcast pattern (a bias per channel of an image, a bias per
    // feature, a column, a scalar), split among workers from any starting row.
    var g = SeededGenerator(seed: 5)
    let images = Tensor.normal([6, 16, 20, 20], using: &g, requiresGrad: true)
    let channelBias = Tensor.normal([16, 1, 1], using: &g, requiresGrad: true)
    let rows = Tensor.normal([3000, 24], using: &g, requiresGrad: true)
    let featureBias = Tensor.normal([24], using: &g, requiresGrad: true)
    let column = Tensor.normal([3000, 1], using: &g, requiresGrad: true)
    let inputs = [images, channelBias, rows, featureBias, column]
    let function: ([Tensor]) -> Tensor = { t in
      let a = (t[0] + t[1]) * t[1] - t[1]  // [6, 16, 20, 20]
      let b = (t[2] * t[3] + t[4]) / (t[4] * t[4] + 1) + 2  // [3000, 24]
      return Tensor.concatenate([a.reshaped([-1]), b.reshaped([-1])], axis: 0)
    }
    for workers in [2, 3] {
      let one = valuesAndGradients(workers: 1, inputs, function)
      let several = valuesAndGradients(workers: workers, inputs, function)
      #expect(largestGap(one, several) == 0, "\(workers) workers")
    }
  }

  @Test func regionsFromSeveralThreadsAtOnceAreAllRight() async {
    // The pool runs one region at a time; a region asked for meanwhile runs on its
    // caller. Either way the products are right.
    let results = await withTaskGroup(of: Bool.self) { group in
      for _ in 0..<4 {
        group.addTask {
          var g = SeededGenerator(seed: 4)
          let a = Tensor.normal([256, 256], using: &g)
          let b = Tensor.normal([256, 256], using: &g)
          let expected = withoutGradient { matmul(a, b) }.data
          return (0..<20).allSatisfy { _ in
            let product = Parallel.withWorkers(2) { withoutGradient { matmul(a, b) } }
            return largestGap([product.data], [expected]) < 1e-4
          }
        }
      }
      return await group.reduce(into: [Bool]()) { $0.append($1) }
    }
    #expect(results == [true, true, true, true])
  }
}
