import Testing

@testable import Autograd

import Platform

@Suite("Autograd semantics readers trip on")
struct Semantics {
  @Test func gradientsAccumulateOverTwoBackwardCalls() {
    let x = Tensor([1, 2, 3], requiresGrad: true)
    (x * x).sum().backward()
    #expect(x.grad!.data == [2, 4, 6])
    (x * x).sum().backward()  // a second graph: gradients add up
    #expect(x.grad!.data == [4, 8, 12])
  }

  @Test func zeroGradClears() {
    let x = Tensor([1, 2, 3], requiresGrad: true)
    (x * 3).sum().backward()
    x.zeroGrad()
    #expect(x.grad == nil)
    (x * 3).sum().backward()
    #expect(x.grad!.data == [3, 3, 3])
  }

  @Test func noGradModeRecordsNothing() {
    let x = Tensor([1, 2], requiresGrad: true)
    let y = withoutGradient { x * 2 }
    #expect(!y.requiresGrad)
    #expect(y.isLeaf)
    #expect(GradMode.isEnabled)  // restored after the closure
    #expect((x * 2).requiresGrad)
  }

  @Test func tensorUsedTwiceGetsBothContributions() {
    // y = x·x + x  ⇒  dy/dx = 2x + 1.
    let x = Tensor([0.5, -1, 2], requiresGrad: true)
    (x * x + x).sum().backward()
    #expect(x.grad!.data == [2, -1, 5])
  }

  @Test func diamondGraphVisitsSharedNodeOnce() {
    // a = 2x; y = a·a + a: the path through `a` must be complete before it propagates.
    let x = Tensor([3], requiresGrad: true)
    let a = x * 2
    (a * a + a).sum().backward()
    #expect(x.grad!.data == [2 * (2 * 6 + 1)])  // dy/da = 2a + 1, da/dx = 2
  }

  @Test func intermediateGradientsAreFreedUnlessRetained() {
    let x = Tensor([1, 2], requiresGrad: true)
    let hidden = x * 3, kept = x * 4
    kept.retainGrad()
    (hidden + kept).sum().backward()
    #expect(hidden.grad == nil)
    #expect(kept.grad!.data == [1, 1])
    #expect(x.grad!.data == [7, 7])
  }

  @Test func backwardTwiceOnOneGraphAccumulates() {
    let x = Tensor([1, 2], requiresGrad: true)
    let loss = (x * x).sum()
    loss.backward()
    loss.backward()
    #expect(x.grad!.data == [4, 8])
  }

  @Test func constantsReceiveNoGradient() {
    let x = Tensor([1, 2], requiresGrad: true), c = Tensor([5, 6])
    (x * c).sum().backward()
    #expect(c.grad == nil)
    #expect(x.grad!.data == [5, 6])
  }

  @Test func deepChainDoesNotOverflowTheStack() {
    let x = Tensor([1], requiresGrad: true)
    var y = x
    for _ in 0..<20_000 { y = y * 1 }
    y.sum().backward()
    #expect(x.grad!.data == [1])
  }

  @Test func detachedCutsTheGraph() {
    let x = Tensor([2], requiresGrad: true)
    (x * x.detached()).sum().backward()
    #expect(x.grad!.data == [2])
  }
}

@Suite("Forward values")
struct ForwardValues {
  @Test func broadcastingAddsBiasToEveryRow() {
    let x = Tensor([[1, 2, 3], [4, 5, 6]]), bias = Tensor([10, 20, 30])
    #expect((x + bias).data == [11, 22, 33, 14, 25, 36])
    let column = Tensor(shape: [2, 1], data: [100, 200])
    #expect((x + column).data == [101, 102, 103, 204, 205, 206])
  }

  @Test func reductions() {
    let x = Tensor(shape: [2, 3], data: [1, 5, 3, 4, 2, 6])
    #expect(x.sum(axis: 0).data == [5, 7, 9])
    #expect(x.sum(axis: 1).data == [9, 12])
    #expect(x.sum(axis: 1, keepingDims: true).shape == [2, 1])
    #expect(x.max(axis: 1).data == [5, 6])
    #expect(x.mean().item == 3.5)
    #expect(Swift.abs(x.variance().item - 17.5 / 6) < 1e-6)
  }

  @Test func matmulMatchesNaiveLoops() {
    var g = SeededGenerator(seed: 11)
    // m = 1 (one row) takes the matrix–vector path; the others go through sgemm.
    let cases = [(false, false), (true, false), (false, true), (true, true)]
    for ((ta, tb), (m, k, n)) in cases.flatMap({ t in
      [(5, 7, 3), (1, 7, 3)].map { (t, $0) }
    }) {
      let a = Tensor.normal(ta ? [k, m] : [m, k], using: &g)
      let b = Tensor.normal(tb ? [n, k] : [k, n], using: &g)
      let c = matmul(a, b, transposingA: ta, transposingB: tb)
      for i in 0..<m {
        for j in 0..<n {
          var total: Float = 0
          for p in 0..<k { total += (ta ? a[p, i] : a[i, p]) * (tb ? b[j, p] : b[p, j]) }
          #expect(Swift.abs(c[i, j] - total) < 1e-4)
        }
      }
    }
  }

  @Test func permuteMovesValues() {
    let x = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
    #expect(x.transposed().data == [1, 4, 2, 5, 3, 6])
    let y = Tensor(shape: [2, 2, 2], data: (0..<8).map(Float.init))
    #expect(y.permuted([2, 0, 1]).data == [0, 2, 4, 6, 1, 3, 5, 7])
  }

  @Test func softmaxIsStableForHugeLogits() {
    let x = Tensor([1000, 1001, 1002])
    let y = x.softmax()
    #expect(y.data.allSatisfy { $0.isFinite })
    #expect(Swift.abs(y.data.reduce(0, +) - 1) < 1e-6)
    #expect(Swift.abs(y.data[2] - 0.665_240_9) < 1e-6)
  }

  @Test func crossEntropyOfUniformLogitsIsLogC() {
    let logits = Tensor.zeros([4, 10])
    let loss = crossEntropy(logits, targets: [0, 3, -1, 9], ignoreIndex: -1)
    #expect(Swift.abs(loss.item - logf(10)) < 1e-6)
  }

  @Test func maskedFillAndCausalMask() {
    let scores = Tensor.zeros([3, 3]).maskedFill(Mask.causal(3), with: -.infinity)
    let weights = scores.softmax()
    let third: Float = 1.0 / 3
    let expected: [Float] = [1, 0, 0, 0.5, 0.5, 0, third, third, third]
    #expect(weights.data == expected)
  }
}

@Suite("Fast math against libm")
struct FastMathAccuracy {
  @Test func expRelativeError() {
    var worst: Float = 0
    for i in 0...20_000 {
      let x = -87 + Float(i) * (175.0 / 20_000)
      let reference = Float(Foundation_exp(Double(x)))
      worst = Swift.max(worst, Swift.abs(FastMath.exp(x) - reference) / reference)
    }
    #expect(worst < 3e-7)
    #expect(FastMath.exp(-.infinity) == 0)
    #expect(FastMath.exp(-100) == 0)
    #expect(FastMath.exp(100) == .infinity)
    #expect(FastMath.exp(0) == 1)
  }

  @Test func tanhKeepsRelativePrecisionNearZero() {
    var worst: Float = 0
    for i in 1...20_000 {
      let x = Float(i) * 1e-3 - 10.0005
      let reference = Float(Foundation_tanh(Double(x)))
      worst = Swift.max(
        worst,
        Swift.abs(FastMath.tanh(x) - reference)
          / Swift.max(Swift.abs(reference), 1e-30))
    }
    #expect(worst < 5e-7)
    #expect(FastMath.tanh(1e-6) == 1e-6)
    #expect(FastMath.tanh(50) == 1)
    #expect(FastMath.tanh(-50) == -1)
  }
}

// libm in Double precision, the reference.
func Foundation_exp(_ x: Double) -> Double { exp(x) }
func Foundation_tanh(_ x: Double) -> Double { tanh(x) }

@Suite("Number formatting")
struct Formatting {
  @Test(arguments: [
    (0.123456, "0.1235"), (12.3456, "12.35"), (1234.56, "1235"), (123456.0, "123500"),
    (1234567.0, "1.235e+06"), (0.000012344, "1.234e-05"), (-2.5, "-2.5"), (0.0, "0"),
    (1.0, "1"), (9.99996, "10"), (0.001, "0.001"), (100.0, "100"),
  ])
  func fourSignificantDigits(_ value: Double, _ expected: String) {
    #expect(formatted(value) == expected)
  }

  @Test func tensorDescription() {
    #expect(Tensor([[1, 2], [3, 4.5]]).description == "[[  1,   2],\n [  3, 4.5]]")
    #expect(Tensor(2.5).description == "2.5")
  }
}

@Suite("Misuse gives clear errors")
struct ClearErrors {
  @Test func shapeMismatchNamesBothShapesAndTheOperation() async {
    await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(text.contains("[2, 3]") && text.contains("[4]") && text.contains("+"))
    }
  }

  @Test func matmulInnerSizeMismatch() async {
    await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(text.contains("matmul([2, 3], [4, 5])") && text.contains("3 vs 4"))
    }
  }
}
