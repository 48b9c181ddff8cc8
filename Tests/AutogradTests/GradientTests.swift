import Testing

@testable import Autograd

/// Random inputs for a gradient check. `minMagnitude` keeps values out of
/// (−m, m): 0.1 puts them beyond ε = 1e-2 of a kink (relu, abs); 0.5 keeps a divisor
/// far enough from its pole that ε is a small step (x ± ε changes 1/x by ≤ 2%).
func input(
  _ shape: [Int], _ g: inout SeededGenerator, low: Float = -2, high: Float = 2,
  minMagnitude: Float = 0
) -> Tensor {
  let n = shape.reduce(1, *)
  let values = (0..<n).map { _ -> Float in
    var v = g.uniform(low, high)
    if Swift.abs(v) < minMagnitude { v += v < 0 ? -minMagnitude : minMagnitude }
    return v
  }
  return Tensor(shape: shape, data: values, requiresGrad: true)
}

/// One named operation with the inputs to check it at.
struct Case: CustomTestStringConvertible, Sendable {
  let name: String
  let shapes: [[Int]]
  var low: Float = -2, high: Float = 2, minMagnitude: Float = 0
  let function: @Sendable ([Tensor]) -> Tensor
  var testDescription: String { name }
}

let unaryCases: [Case] = [
  Case(name: "negate", shapes: [[3, 4]]) { -$0[0] },
  Case(name: "exp", shapes: [[3, 4]]) { $0[0].exp() },
  Case(name: "log", shapes: [[3, 4]], low: 0.2, high: 3) { $0[0].log() },
  Case(name: "sqrt", shapes: [[3, 4]], low: 0.2, high: 3) { $0[0].sqrt() },
  Case(name: "pow 3", shapes: [[3, 4]]) { $0[0].pow(3) },
  Case(name: "pow 2", shapes: [[3, 4]]) { $0[0].pow(2) },
  Case(name: "pow -0.5", shapes: [[3, 4]], low: 0.3, high: 3) { $0[0].pow(-0.5) },
  Case(name: "tanh", shapes: [[3, 4]]) { $0[0].tanh() },
  Case(name: "sigmoid", shapes: [[3, 4]]) { $0[0].sigmoid() },
  Case(name: "relu", shapes: [[3, 4]], minMagnitude: 0.1) { $0[0].relu() },
  Case(name: "abs", shapes: [[3, 4]], minMagnitude: 0.1) { $0[0].abs() },
  Case(name: "gelu", shapes: [[3, 4]], low: -3, high: 3) { $0[0].gelu() },
  Case(name: "silu", shapes: [[3, 4]], low: -3, high: 3) { $0[0].silu() },
]

let binaryCases: [Case] = [
  Case(name: "add same shape", shapes: [[2, 3], [2, 3]]) { $0[0] + $0[1] },
  Case(name: "add bias [C]", shapes: [[2, 3, 4], [4]]) { $0[0] + $0[1] },
  Case(name: "add column [B,1]", shapes: [[3, 4], [3, 1]]) { $0[0] + $0[1] },
  Case(name: "add both broadcast", shapes: [[3, 1, 2], [1, 4, 2]]) { $0[0] + $0[1] },
  Case(name: "add scalar tensor", shapes: [[2, 3], []]) { $0[0] + $0[1] },
  Case(name: "subtract broadcast", shapes: [[2, 1, 4], [3, 1]]) { $0[0] - $0[1] },
  Case(name: "multiply same shape", shapes: [[2, 3], [2, 3]]) { $0[0] * $0[1] },
  Case(name: "multiply broadcast", shapes: [[2, 3, 4], [3, 1]]) { $0[0] * $0[1] },
  Case(name: "multiply middle axis", shapes: [[2, 3, 4], [2, 1, 4]]) { $0[0] * $0[1] },
  Case(name: "divide same shape", shapes: [[2, 3], [2, 3]], minMagnitude: 0.5) {
    $0[0] / $0[1]
  },
  Case(name: "divide broadcast", shapes: [[2, 3, 4], [4]], minMagnitude: 0.5) {
    $0[0] / $0[1]
  },
  Case(name: "number arithmetic", shapes: [[2, 3]]) {
    (2 - $0[0]) * 3 + $0[0] / 4 - 1
  },
  Case(name: "tensor used twice", shapes: [[2, 3]]) { $0[0] * $0[0].tanh() + $0[0] },
]

let reductionCases: [Case] = [
  Case(name: "sum all", shapes: [[2, 3, 4]]) { $0[0].sum() },
  Case(name: "sum axis 1", shapes: [[2, 3, 4]]) { $0[0].sum(axis: 1) },
  Case(name: "sum axes [0,2] keep", shapes: [[2, 3, 4]]) {
    $0[0].sum(axes: [0, 2], keepingDims: true)
  },
  Case(name: "sum last axis", shapes: [[2, 3, 4]]) { $0[0].sum(axis: -1) },
  Case(name: "mean all", shapes: [[2, 3, 4]]) { $0[0].mean() },
  Case(name: "mean axis 0 keep", shapes: [[2, 3, 4]]) {
    $0[0].mean(axis: 0, keepingDims: true)
  },
  Case(name: "variance last axis", shapes: [[3, 5]]) { $0[0].variance(axis: -1) },
  Case(name: "variance unbiased all", shapes: [[3, 5]]) {
    $0[0].variance(unbiased: true)
  },
  Case(name: "max last axis", shapes: [[3, 5]]) { $0[0].max(axis: -1) },
  Case(name: "max axis 0 keep", shapes: [[4, 3]]) {
    $0[0].max(axis: 0, keepingDims: true)
  },
  Case(name: "max all", shapes: [[2, 3, 2]]) { $0[0].max() },
]

let matmulCases: [Case] = [
  Case(name: "matmul [3,4]·[4,5]", shapes: [[3, 4], [4, 5]]) { matmul($0[0], $0[1]) },
  Case(name: "matmul A·Bᵀ", shapes: [[3, 4], [5, 4]]) {
    matmul($0[0], $0[1], transposingB: true)
  },
  Case(name: "matmul Aᵀ·B", shapes: [[4, 3], [4, 5]]) {
    matmul($0[0], $0[1], transposingA: true)
  },
  Case(name: "matmul Aᵀ·Bᵀ", shapes: [[4, 3], [5, 4]]) {
    matmul($0[0], $0[1], transposingA: true, transposingB: true)
  },
  Case(name: "batched with shared weight", shapes: [[2, 3, 4], [4, 5]]) {
    matmul($0[0], $0[1])
  },
  Case(name: "batched with shared weightᵀ", shapes: [[2, 3, 4], [5, 4]]) {
    matmul($0[0], $0[1], transposingB: true)
  },
  Case(name: "batched both", shapes: [[2, 2, 3, 4], [2, 2, 4, 5]]) {
    matmul($0[0], $0[1])
  },
  Case(name: "batched q·kᵀ", shapes: [[2, 3, 4], [2, 5, 4]]) {
    matmul($0[0], $0[1], transposingB: true)
  },
  Case(name: "batched Aᵀ·B", shapes: [[2, 4, 3], [2, 4, 5]]) {
    matmul($0[0], $0[1], transposingA: true)
  },
  Case(name: "batched Aᵀ, shared B", shapes: [[2, 4, 3], [4, 5]]) {
    matmul($0[0], $0[1], transposingA: true)
  },
  Case(name: "shared A, batched B", shapes: [[3, 4], [2, 4, 5]]) {
    matmul($0[0], $0[1])
  },
]

let shapeCases: [Case] = [
  Case(name: "reshape", shapes: [[2, 3, 4]]) {
    $0[0].reshaped([6, -1]) * $0[0].reshaped([6, 4])
  },
  Case(name: "permute", shapes: [[2, 3, 4]]) { $0[0].permuted([2, 0, 1]) },
  Case(name: "transpose", shapes: [[3, 4]]) { $0[0].transposed() },
  Case(name: "transpose axes 0,2", shapes: [[2, 3, 4]]) { $0[0].transposed(0, 2) },
  Case(name: "slice middle axis", shapes: [[2, 5, 3]]) { $0[0].sliced(axis: 1, 1..<4) },
  Case(name: "slice last axis", shapes: [[3, 6]]) { $0[0].sliced(axis: -1, 2..<5) },
  Case(name: "concatenate axis 1", shapes: [[2, 2, 3], [2, 4, 3]]) {
    Tensor.concatenate([$0[0], $0[1]], axis: 1)
  },
  Case(name: "concatenate last axis", shapes: [[2, 3], [2, 1], [2, 2]]) {
    Tensor.concatenate([$0[0], $0[1], $0[2]], axis: -1)
  },
  Case(name: "stack axis 0", shapes: [[2, 3], [2, 3]]) { Tensor.stack([$0[0], $0[1]]) },
  Case(name: "stack axis 2", shapes: [[2, 3], [2, 3]]) {
    Tensor.stack([$0[0], $0[1]], axis: 2)
  },
  Case(name: "gather rows (repeats)", shapes: [[5, 3]]) {
    $0[0].gatherRows([4, 0, 4, 2, 1, 4], indexShape: [2, 3])
  },
  Case(name: "masked fill", shapes: [[3, 4]]) {
    $0[0].maskedFill(Mask(shape: [1, 4], [true, false, false, true]), with: -1)
  },
  Case(name: "select broadcast", shapes: [[3, 4], [4]]) {
    select(Mask(shape: [3, 1], [true, false, true]), $0[0], $0[1])
  },
]

let lossCases: [Case] = [
  Case(name: "softmax last axis", shapes: [[3, 5]]) { $0[0].softmax() },
  Case(name: "softmax axis 0", shapes: [[4, 3]]) { $0[0].softmax(axis: 0) },
  Case(name: "softmax middle axis", shapes: [[2, 3, 4]]) { $0[0].softmax(axis: 1) },
  Case(name: "logSoftmax last axis", shapes: [[3, 5]]) { $0[0].logSoftmax() },
  Case(name: "logSoftmax axis 0", shapes: [[4, 3]]) { $0[0].logSoftmax(axis: 0) },
  Case(name: "cross-entropy", shapes: [[4, 5]]) {
    crossEntropy($0[0], targets: [1, 0, 4, 2])
  },
  Case(name: "cross-entropy ignore index", shapes: [[2, 3, 5]]) {
    crossEntropy($0[0], targets: [1, -100, 4, 2, -100, 0], ignoreIndex: -100)
  },
  Case(name: "mean squared error", shapes: [[3, 4], [3, 4]]) {
    meanSquaredError($0[0], $0[1])
  },
  Case(name: "masked attention weights", shapes: [[3, 3]]) {
    $0[0].maskedFill(Mask.causal(3), with: -.infinity).softmax()
  },
]

@Suite("Gradient checks: every differentiable operation")
struct GradientChecks {
  func check(_ c: Case) {
    var g = SeededGenerator(seed: 7)
    let inputs = c.shapes.map {
      input($0, &g, low: c.low, high: c.high, minMagnitude: c.minMagnitude)
    }
    let report = checkGradients(at: inputs, using: &g, c.function)
    #expect(report.passed, "\(c.name): \(report)")
    #expect(report.checkedValues == inputs.map(\.count).reduce(0, +))
  }

  @Test(arguments: unaryCases) func unary(_ c: Case) { check(c) }
  @Test(arguments: binaryCases) func binary(_ c: Case) { check(c) }
  @Test(arguments: reductionCases) func reductions(_ c: Case) { check(c) }
  @Test(arguments: matmulCases) func matrixMultiply(_ c: Case) { check(c) }
  @Test(arguments: shapeCases) func shapes(_ c: Case) { check(c) }
  @Test(arguments: lossCases) func losses(_ c: Case) { check(c) }
}

@Suite("The gradient check catches wrong gradients")
struct WrongGradients {
  /// tanh with a deliberately wrong backward: 1 − y instead of 1 − y².
  func wrongTanh(_ x: Tensor) -> Tensor {
    x.map("wrong tanh", FastMath.tanh, derivative: { _, y in 1 - y })
  }

  @Test func wrongDerivativeFails() {
    var g = SeededGenerator(seed: 3)
    let x = input([3, 4], &g)
    let report = checkGradients(at: [x], using: &g) { wrongTanh($0[0]) }
    #expect(!report.passed)
    #expect(report.maxAbsoluteError > 0.05)
  }

  @Test func fivePercentErrorFails() {
    var g = SeededGenerator(seed: 4)
    let x = input([3, 4], &g)
    let report = checkGradients(at: [x], using: &g) {
      $0[0].map("exp, 5% off", FastMath.exp, derivative: { _, y in 1.05 * y })
    }
    #expect(!report.passed)
  }

  @Test func missingBroadcastReductionFails() {
    // A "+" whose backward forgets to sum over the broadcast axis: the bias gets only
    // the first row's gradient.
    var g = SeededGenerator(seed: 5)
    let x = input([3, 4], &g), bias = input([4], &g)
    let report = checkGradients(at: [x, bias], using: &g) { inputs in
      let (a, b) = (inputs[0], inputs[1])
      let shape = a.shape
      let out = broadcastCombine(a.data, a.shape, b.data, b.shape, into: shape, Plus())
      return Tensor(shape: shape, data: out, inputs: [a, b], operation: "bad add") { g in
        a.accumulateGrad(g)
        b.accumulateGrad(Array(g[0..<4]))
      }
    }
    #expect(!report.passed)
  }

  @Test func correctGradientPasses() {
    var g = SeededGenerator(seed: 3)
    let x = input([3, 4], &g)
    #expect(checkGradients(at: [x], using: &g) { $0[0].tanh() }.passed)
  }
}
