import Autograd
import Testing

@testable import Layers

/// Checks the gradients of `forward` with respect to `x` and every parameter of `layer`.
func checkLayer(
  _ layer: Layer, input x: Tensor, seed: UInt64 = 1, _ forward: (Tensor) -> Tensor
) -> GradientCheckReport {
  var g = SeededGenerator(seed: seed)
  return checkGradients(at: [x] + layer.parameters, using: &g) { forward($0[0]) }
}

func randomInput(_ shape: [Int], seed: UInt64 = 2) -> Tensor {
  var g = SeededGenerator(seed: seed)
  return Tensor.normal(shape, using: &g, requiresGrad: true)
}

/// Gives a layer's zero-initialised parameters (biases, norm gains) random values, so
/// that the gradient check does not run at a special point.
func randomise(_ layer: Layer, seed: UInt64 = 3) {
  var g = SeededGenerator(seed: seed)
  for p in layer.parameters {
    p.assign(
      (0..<p.count).map { _ in g.uniform(0.5, 1.5) * (g.nextUniform() < 0.5 ? -1 : 1) })
  }
}

@Suite("Gradient checks: layers")
struct LayerGradients {
  @Test func linear() {
    var g = SeededGenerator(seed: 1)
    let layer = Linear(4, 3, using: &g)
    randomise(layer)
    #expect(checkLayer(layer, input: randomInput([2, 5, 4])) { layer($0) }.passed)
  }

  @Test func linearWithoutBias() {
    var g = SeededGenerator(seed: 1)
    let layer = Linear(4, 3, bias: false, using: &g)
    #expect(layer.parameters.count == 1)
    #expect(checkLayer(layer, input: randomInput([3, 4])) { layer($0) }.passed)
  }

  @Test func embedding() {
    var g = SeededGenerator(seed: 1)
    let layer = Embedding(6, 3, using: &g)
    var h = SeededGenerator(seed: 2)
    let report = checkGradients(at: layer.parameters, using: &h) { _ in
      layer([5, 0, 5, 2], shape: [2, 2])
    }
    #expect(report.passed)
  }

  @Test func layerNorm() {
    let layer = LayerNorm(5)
    randomise(layer)
    #expect(checkLayer(layer, input: randomInput([2, 3, 5])) { layer($0) }.passed)
  }

  @Test func layerNormReferenceDefinition() {
    let layer = LayerNorm(5)
    randomise(layer)
    #expect(
      checkLayer(layer, input: randomInput([2, 3, 5])) { layer.reference($0) }.passed)
  }

  @Test func fusedLayerNormMatchesItsDefinition() {
    let layer = LayerNorm(6)
    randomise(layer)
    let x = randomInput([4, 6]) * 3 + 1
    let fused = layer(x), reference = layer.reference(x)
    #expect(zip(fused.data, reference.data).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
  }

  @Test func rmsNorm() {
    let layer = RMSNorm(5)
    randomise(layer)
    #expect(checkLayer(layer, input: randomInput([3, 5])) { layer($0) }.passed)
  }

  @Test func groupNorm() {
    let layer = GroupNorm(groups: 2, channels: 4)
    randomise(layer)
    #expect(checkLayer(layer, input: randomInput([2, 4, 3, 3])) { layer($0) }.passed)
  }

  @Test func groupNormReferenceDefinition() {
    let layer = GroupNorm(groups: 2, channels: 4)
    randomise(layer)
    #expect(
      checkLayer(layer, input: randomInput([2, 4, 3, 3])) { layer.reference($0) }.passed)
  }

  /// The fused operation gives the definition's values and gradients, with groups of
  /// several channels, one channel, and inputs without spatial axes.
  @Test(arguments: [([2, 6, 4, 5], 3), ([3, 4, 2, 2], 4), ([2, 8], 2), ([1, 4, 7], 1)])
  func fusedGroupNormMatchesItsDefinition(shape: [Int], groups: Int) {
    let layer = GroupNorm(groups: groups, channels: shape[1])
    randomise(layer)
    let x = randomInput(shape)
    let weights = randomInput(shape, seed: 9)
    var results: [[[Float]]] = []
    for fused in [true, false] {
      layer.zeroGrad()
      x.zeroGrad()
      let y = fused ? layer(x) : layer.reference(x)
      (y * weights).sum().backward()
      results.append(
        [y.data, x.grad!.data, layer.weight.grad!.data, layer.bias.grad!.data])
    }
    for (fused, reference) in zip(results[0], results[1]) {
      let worst = zip(fused, reference).map { Swift.abs($0 - $1) }.max()!
      #expect(worst < 1e-4, "\(shape), \(groups) groups: largest difference \(worst)")
    }
  }

  @Test(arguments: [(1, 0, 3), (1, 1, 3), (2, 1, 3), (2, 0, 2), (1, 0, 1)])
  func convolution(stride: Int, padding: Int, kernel: Int) {
    var g = SeededGenerator(seed: 1)
    let layer = Conv2d(2, 3, kernel: kernel, stride: stride, padding: padding, using: &g)
    randomise(layer)
    let report = checkLayer(layer, input: randomInput([2, 2, 5, 5])) { layer($0) }
    #expect(
      report.passed, "stride \(stride) padding \(padding) kernel \(kernel): \(report)")
  }

  @Test func upsampling() {
    var g = SeededGenerator(seed: 2)
    let x = randomInput([2, 2, 3, 2])
    #expect(
      checkGradients(at: [x], using: &g) { upsampleNearest($0[0], factor: 2) }.passed)
  }

  @Test func selfAttentionWithCausalMask() {
    var g = SeededGenerator(seed: 1)
    let layer = MultiHeadAttention(width: 8, heads: 2, using: &g)
    randomise(layer)
    let mask = Tensor.causalMask(4)
    let report = checkLayer(layer, input: randomInput([2, 4, 8])) {
      layer($0, mask: mask)
    }
    #expect(report.passed, "\(report)")
  }

  @Test func crossAttention() {
    var g = SeededGenerator(seed: 1)
    let layer = MultiHeadAttention(width: 8, heads: 2, contextWidth: 6, using: &g)
    randomise(layer)
    let context = randomInput([2, 5, 6], seed: 9)
    var h = SeededGenerator(seed: 4)
    let report = checkGradients(
      at: [randomInput([2, 3, 8]), context] + layer.parameters, using: &h
    ) { layer($0[0], context: $0[1]) }
    #expect(report.passed, "\(report)")
  }
}

@Suite("Layer behaviour")
struct LayerBehaviour {
  @Test(arguments: [(1, 0), (1, 1), (2, 1), (2, 0), (3, 2)])
  func convolutionMatchesLoops(stride: Int, padding: Int) {
    var g = SeededGenerator(seed: 5)
    let x = Tensor.normal([2, 3, 7, 6], using: &g)
    let w = Tensor.normal([4, 3, 3, 3], using: &g)
    let fast = convolve(x, w, stride: stride, padding: padding)
    let slow = convolveByLoops(x, w, stride: stride, padding: padding)
    #expect(fast.count == slow.count)
    #expect(largestDifference(fast, slow) < 1e-4)
  }

  @Test func attentionMatchesLoops() {
    var g = SeededGenerator(seed: 6)
    let attention = MultiHeadAttention(width: 8, heads: 2, using: &g)
    let x = Tensor.normal([2, 5, 8], using: &g)
    for mask in [nil, Tensor.causalMask(5)] {
      let fast = attention(x, mask: mask)
      #expect(largestDifference(fast, attentionByLoops(attention, x, mask: mask)) < 1e-5)
    }
    // The comparison can fail: without the causal mask the loops see the future.
    let masked = attention(x, mask: Tensor.causalMask(5))
    #expect(largestDifference(masked, attentionByLoops(attention, x)) > 1e-3)
  }

  @Test func parameterNamesFollowProperties() {
    final class Block: Layer {
      var attention: MultiHeadAttention
      var norm = LayerNorm(8)
      init(_ g: inout SeededGenerator) {
        attention = MultiHeadAttention(width: 8, heads: 2, using: &g)
      }
    }
    final class Model: Layer {
      var embedding: Embedding
      var blocks: [Block]
      var head: Linear?
      init(_ g: inout SeededGenerator) {
        embedding = Embedding(10, 8, using: &g)
        blocks = [Block(&g), Block(&g), Block(&g)]
        head = Linear(8, 10, bias: false, using: &g)
      }
    }
    var g = SeededGenerator(seed: 1)
    let model = Model(&g)
    let names = model.namedParameters.map(\.name)
    #expect(names.first == "embedding.table")
    #expect(names.contains("blocks.2.attention.query.weight"))
    #expect(names.contains("blocks.0.norm.bias"))
    #expect(names.last == "head.weight")
    #expect(Set(names).count == names.count)
    #expect(names.count == 1 + 3 * (8 + 2) + 1)
    #expect(model.parameterCount == 80 + 3 * (4 * (64 + 8) + 16) + 80)
  }

  @Test func dropoutTrainsAndEvaluates() {
    var g = SeededGenerator(seed: 1)
    let dropout = Dropout(0.25, using: &g)
    let x = Tensor.ones([10_000])
    let trained = dropout(x)
    let zeros = trained.data.filter { $0 == 0 }.count
    #expect(zeros > 2_300 && zeros < 2_700)  // 2 500 ± 5σ (σ ≈ 43)
    #expect(trained.data.allSatisfy { $0 == 0 || Swift.abs($0 - 4.0 / 3) < 1e-6 })
    dropout.eval()
    #expect(dropout(x).data == x.data)
    dropout.train()
    #expect(dropout.isTraining)
  }

  @Test func trainAndEvalReachNestedLayers() {
    final class Net: Layer {
      var layers: [Dropout]
      init(_ g: inout SeededGenerator) { layers = [Dropout(0.5, using: &g)] }
    }
    var g = SeededGenerator(seed: 1)
    let net = Net(&g)
    net.eval()
    #expect(!net.layers[0].isTraining)
  }

  @Test func normalisationStatistics() {
    let x = randomInput([4, 16]) * 3 + 5
    let y = LayerNorm(16)(x)
    let mean = y.mean(axis: -1), variance = y.variance(axis: -1)
    #expect(mean.data.allSatisfy { Swift.abs($0) < 1e-5 })
    #expect(variance.data.allSatisfy { Swift.abs($0 - 1) < 1e-3 })
    let r = RMSNorm(16)(x)
    #expect((r * r).mean(axis: -1).data.allSatisfy { Swift.abs($0 - 1) < 1e-3 })
  }

  @Test func causalMaskHidesTheFuture() {
    var g = SeededGenerator(seed: 1)
    let layer = MultiHeadAttention(width: 4, heads: 1, using: &g)
    let x = randomInput([1, 3, 4])
    let before = layer(x, mask: Tensor.causalMask(3))
    // Changing the last token must not change the outputs of the first two.
    var changed = x.data
    for i in 8..<12 { changed[i] += 1 }
    let after = layer(Tensor(shape: x.shape, data: changed), mask: Tensor.causalMask(3))
    #expect(Array(before.data[0..<8]) == Array(after.data[0..<8]))
    #expect(Array(before.data[8..<12]) != Array(after.data[8..<12]))
  }

  @Test func initialisationScales() {
    var g = SeededGenerator(seed: 1)
    let kaiming = Initialization.kaimingNormal.tensor(
      [256, 512], fanIn: 512, fanOut: 256,
      using: &g)
    #expect(Swift.abs(kaiming.variance().item - 2.0 / 512) < 2e-4)
    let xavier = Initialization.xavierUniform.tensor(
      [256, 512], fanIn: 512, fanOut: 256,
      using: &g)
    #expect(Swift.abs(xavier.variance().item - 2.0 / 768) < 2e-4)
    let bound = (6.0 / 768.0).squareRoot()
    #expect(xavier.data.allSatisfy { Swift.abs(Double($0)) <= bound })
  }
}
