import Autograd
import Testing

@testable import Synchronizer

import Platform

/// Operands of one read: 2 sequences of 3 tokens, 2 images, 2 heads of 3 channels,
/// levels of 6×6, 3×3 and 2×4 pixels, 2 points. Locations keep clear of the pixel
/// boundaries of every level (a finite difference across one straddles two linear
/// pieces of the interpolation); some lie partly outside the maps.
struct ReadOperands {
  let values: [Tensor], locations: Tensor, weights: Tensor
  let visible: [Bool]
  static let (batch, tokens, images, heads, points) = (2, 3, 2, 2, 2)
  let depth: Int  // channels per head: 3, or 16 (the vector path, 8 at a time)
  static let sides = [(6, 6), (3, 3), (2, 4)]

  init(seed: UInt64, visible: [Bool]? = nil, depth: Int = 3) {
    self.depth = depth
    var g = SeededGenerator(seed: seed)
    let (b, t, n, h, p) = (Self.batch, Self.tokens, Self.images, Self.heads, Self.points)
    let l = Self.sides.count
    values = Self.sides.map { side in
      Tensor.normal(
        [b, n, side.0, side.1, h * depth], using: &g, requiresGrad: true)
    }
    func clearOfBoundaries(_ coordinate: Float, sizes: [Int]) -> Bool {
      sizes.allSatisfy { size in
        let pixel = coordinate * Float(size) - 0.5
        let fraction = pixel - pixel.rounded(.down)
        return fraction > 0.05 && fraction < 0.95
      }
    }
    var coordinates: [Float] = []
    for k in 0..<(b * t * n * h * p * 2) {
      let sizes = Self.sides.map { k % 2 == 0 ? $0.1 : $0.0 }
      var coordinate: Float
      repeat { coordinate = g.uniform(-0.15, 1.15) } while !clearOfBoundaries(
        coordinate, sizes: sizes)
      coordinates.append(coordinate)
    }
    locations = Tensor(shape: [b, t, n, h, p, 2], data: coordinates, requiresGrad: true)
    self.visible = visible ?? [Bool](repeating: true, count: b * t * n)
    // Softmax weights per (token, head) over images × levels × (points + null); an
    // invisible image's weights are exactly zero, as MMFS's mask makes them.
    var weightData: [Float] = []
    for token in 0..<(b * t) {
      for _ in 0..<h {
        var row: [Float] = []
        for j in 0..<n {
          for _ in 0..<(l * (p + 1)) {
            row.append(self.visible[token * n + j] ? g.uniform(0.1, 1) : 0)
          }
        }
        let total = row.reduce(0, +) + 1e-3
        weightData += row.map { $0 / total }
      }
    }
    weights = Tensor(shape: [b, t, h, n, l, p + 1], data: weightData, requiresGrad: true)
  }

  var inputs: [Tensor] { values + [locations, weights] }

  func fused(_ inputs: [Tensor]) -> Tensor {
    synchronizerRead(
      values: Array(inputs[0..<3]), locations: inputs[3], weights: inputs[4],
      visible: visible, heads: Self.heads)
  }

  func composed(_ inputs: [Tensor]) -> Tensor {
    composedSynchronizerRead(
      values: Array(inputs[0..<3]), locations: inputs[3], weights: inputs[4],
      heads: Self.heads)
  }
}

/// The gradients of `inputs` after back-propagating `direction` through `function`.
func gradients(
  of function: ([Tensor]) -> Tensor, at inputs: [Tensor], direction: [Float]
) -> [[Float]] {
  for input in inputs { input.zeroGrad() }
  function(inputs).backward(gradient: direction)
  return inputs.map { $0.gradValues ?? [Float](repeating: 0, count: $0.count) }
}

func largestDifference(_ a: [Float], _ b: [Float]) -> Float {
  zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0
}

@Suite("The Synchronizer's fused read")
struct SynchronizerKernelTests {
  @Test(arguments: [3, 16, 19])
  func equalsTheComposedOperationsInValueAndGradient(depth: Int) {
    for seed in 1...3 {
      let operands = ReadOperands(seed: UInt64(seed), depth: depth)
      let fused = operands.fused(operands.inputs)
      let composed = operands.composed(operands.inputs)
      #expect(fused.shape == [2, 3, 2 * depth])
      #expect(largestDifference(fused.data, composed.data) < 1e-5)
      var g = SeededGenerator(seed: 100 + UInt64(seed))
      let direction = (0..<fused.count).map { _ in g.uniform(-1, 1) }
      let fast = gradients(of: operands.fused, at: operands.inputs, direction: direction)
      let slow = gradients(
        of: operands.composed, at: operands.inputs, direction: direction)
      for (k, (a, b)) in zip(fast, slow).enumerated() {
        #expect(largestDifference(a, b) < 1e-4, "input \(k)")
      }
    }
  }

  @Test func skipsInvisibleImagesWithoutChangingTheResult() {
    // Token 0 of each sequence sees nothing, token 1 image 0, token 2 both.
    let visible = [false, false, true, false, true, true,
                   false, false, true, false, true, true]
    let operands = ReadOperands(seed: 4, visible: visible)
    let fused = operands.fused(operands.inputs)
    #expect(largestDifference(fused.data, operands.composed(operands.inputs).data) < 1e-5)
    #expect(fused.data[0..<6].allSatisfy { $0 == 0 })  // sees nothing: reads nothing
    var g = SeededGenerator(seed: 5)
    let direction = (0..<fused.count).map { _ in g.uniform(-1, 1) }
    let fast = gradients(of: operands.fused, at: operands.inputs, direction: direction)
    let slow = gradients(of: operands.composed, at: operands.inputs, direction: direction)
    // Maps and locations agree; the weights of invisible images get zero (the softmax
    // multiplies their gradient by their weight, zero, in either case).
    for k in 0..<4 { #expect(largestDifference(fast[k], slow[k]) < 1e-4, "input \(k)") }
    let weightsPerImage = 3 * (ReadOperands.points + 1)
    for (index, gradient) in fast[4].enumerated() {
      let image = index / weightsPerImage % 2, token = index / (weightsPerImage * 4)
      if !visible[token * 2 + image] { #expect(gradient == 0) }
    }
  }

  @Test func passesTheGradientCheck() {
    let operands = ReadOperands(seed: 6, depth: 9)  // one vector of 8 and one more
    var g = SeededGenerator(seed: 7)
    let report = checkGradients(at: operands.inputs, epsilon: 1e-3, using: &g) {
      operands.fused($0)
    }
    #expect(report.passed, "\(report)")
  }

  @Test func theChecksCatchAWrongBackward() {
    // A read whose backward forgets the map's height in the location's y gradient (a
    // slip the kernel's own formula invites): both checks above must notice.
    let operands = ReadOperands(seed: 8)
    let wrong: ([Tensor]) -> Tensor = { inputs in
      let copies = inputs.map {
        Tensor(shape: $0.shape, data: $0.data, requiresGrad: true)
      }
      let read = operands.fused(copies)
      return Tensor(
        shape: read.shape, data: read.data, inputs: inputs, operation: "wrong read"
      ) { gradient in
        read.backward(gradient: gradient)
        for (k, (input, copy)) in zip(inputs, copies).enumerated() {
          var values = copy.gradValues!
          if k == 3 {
            for i in stride(from: 1, to: values.count, by: 2) { values[i] /= 6 }
          }
          input.accumulateGrad(values)
        }
      }
    }
    var g = SeededGenerator(seed: 9)
    let report = checkGradients(at: operands.inputs, epsilon: 1e-3, using: &g, wrong)
    #expect(!report.passed)
    let direction = (0..<(2 * 3 * 2 * operands.depth)).map { _ in g.uniform(-1, 1) }
    let bad = gradients(of: wrong, at: operands.inputs, direction: direction)
    let good = gradients(of: operands.composed, at: operands.inputs, direction: direction)
    #expect(largestDifference(bad[3], good[3]) > 1e-2)
  }

  // The weights: [B, T, N, h, L, P + 1] logits, 2 sequences of 3 tokens, 2 images,
  // 2 heads, 3 levels, 2 points; token 0 of sequence 0 sees nothing.
  static let weightVisibility = [false, false, true, false, true, true,
                                 true, true, false, true, true, false]

  func weightLogits(seed: UInt64) -> Tensor {
    var g = SeededGenerator(seed: seed)
    return Tensor.normal([2, 3, 2, 2, 3, 3], using: &g, requiresGrad: true)
  }

  @Test func fusedWeightsAreTheComposedOnesExactly() {
    let logits = weightLogits(seed: 11)
    let visible = Self.weightVisibility
    var g = SeededGenerator(seed: 12)
    let direction = (0..<logits.count).map { _ in g.uniform(-1, 1) }
    let fused = gradients(
      of: { synchronizerWeights($0[0], visible: visible) }, at: [logits],
      direction: direction)
    let composed = gradients(
      of: { composedSynchronizerWeights($0[0], visible: visible) }, at: [logits],
      direction: direction)
    // Same arithmetic in the same order: equal to the last bit, values and gradients
    // (the unused last slot of each level gets zero in both).
    let fusedValues = synchronizerWeights(logits, visible: visible).data
    let composedValues = composedSynchronizerWeights(logits, visible: visible).data
    #expect(fusedValues == composedValues)
    #expect(fused == composed)
    // Each (token, head) row sums to one; a token that sees nothing puts it all on the
    // null slots.
    for row in 0..<12 {
      let total = fusedValues[(row * 18)..<((row + 1) * 18)].reduce(0, +)
      #expect(Swift.abs(total - 1) < 1e-5)
    }
    let nothing = fusedValues[0..<18]
    #expect(nothing.enumerated().allSatisfy { $0.offset % 3 == 2 || $0.element == 0 })
  }

  @Test func fusedWeightsPassTheGradientCheckAndCatchAWrongOne() {
    let logits = weightLogits(seed: 13)
    let visible = Self.weightVisibility
    var g = SeededGenerator(seed: 14)
    let report = checkGradients(at: [logits], epsilon: 1e-3, using: &g) {
      synchronizerWeights($0[0], visible: visible)
    }
    #expect(report.passed, "\(report)")
    // A backward with a stray term (the weights added to the incoming gradient):
    // caught.
    let wrong: ([Tensor]) -> Tensor = { inputs in
      let copy = Tensor(shape: inputs[0].shape, data: inputs[0].data, requiresGrad: true)
      let weights = synchronizerWeights(copy, visible: visible)
      return Tensor(
        shape: weights.shape, data: weights.data, inputs: inputs,
        operation: "wrong weights"
      ) { gradient in
        weights.backward(gradient: zip(gradient, weights.data).map { $0 + $1 })
        inputs[0].accumulateGrad(copy.gradValues!)
      }
    }
    #expect(!checkGradients(at: [logits], epsilon: 1e-3, using: &g, wrong).passed)
  }
}
