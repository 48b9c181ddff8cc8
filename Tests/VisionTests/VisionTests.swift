import Autograd
import Layers
import TestSupport
import Testing

@testable import Vision

import Platform

func randomImages(_ count: Int, size: Int = 8, seed: UInt64 = 3) -> Tensor {
  var g = SeededGenerator(seed: seed)
  return Tensor.uniform([count, 3, size, size], using: &g, requiresGrad: true)
}

@Suite("Gradient checks: vision")
struct VisionGradients {
  @Test func feedForward() {
    var g = SeededGenerator(seed: 1)
    let layer = FeedForward(width: 4, hidden: 6, using: &g)
    randomise(layer)
    var h = SeededGenerator(seed: 2)
    let x = Tensor.normal([2, 3, 4], using: &h, requiresGrad: true)
    #expect(checkGradients(at: [x] + layer.parameters, using: &h) { layer($0[0]) }.passed)
  }

  @Test func transformerBlock() {
    var g = SeededGenerator(seed: 1)
    let block = TransformerBlock(width: 8, heads: 2, using: &g)
    randomise(block)
    var h = SeededGenerator(seed: 2)
    let x = Tensor.normal([2, 3, 8], using: &h, requiresGrad: true)
    let report = checkGradients(at: [x] + block.parameters, using: &h) {
      block($0[0], mask: Tensor.causalMask(3))
    }
    #expect(report.passed, "\(report)")
  }

  @Test func smallVisionTransformer() {
    var configuration = VisionConfiguration()
    (configuration.imageSize, configuration.patchSize) = (8, 4)
    (configuration.width, configuration.layers, configuration.heads) = (8, 1, 2)
    var g = SeededGenerator(seed: 1)
    let vit = VisionTransformer(configuration, using: &g)
    randomise(vit)
    var h = SeededGenerator(seed: 2)
    let images = randomImages(2)
    let report = checkGradients(at: [images] + vit.parameters, using: &h) { vit($0[0]) }
    #expect(report.passed, "\(report)")
  }

  @Test func textEncoderWithPadding() {
    var g = SeededGenerator(seed: 1)
    let text = TextEncoder(
      vocabulary: 7, length: 4, width: 8, layers: 1, heads: 2,
      using: &g)
    randomise(text)
    var h = SeededGenerator(seed: 2)
    let ids = [3, 5, 0, 0, 1, 2, 6, 0]  // two texts, padded
    let report = checkGradients(at: text.parameters, using: &h) { _ in text(ids, batch: 2)
    }
    #expect(report.passed, "\(report)")
    // Padding must not matter: the same text with a different pad length agrees.
    var k = SeededGenerator(seed: 1)
    let longer = TextEncoder(
      vocabulary: 7, length: 6, width: 8, layers: 1, heads: 2,
      using: &k)
    for (a, b) in zip(longer.parameters, text.parameters) where a.shape == b.shape {
      a.assign(b.data)
    }
    longer.positions.assign(text.positions.data + [Float](repeating: 0.3, count: 16))
    let short = text([3, 5, 0, 0], batch: 1),
      padded = longer([3, 5, 0, 0, 0, 0], batch: 1)
    #expect(zip(short.data, padded.data).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
  }

  @Test func contrastiveLossOfMiniCLIP() {
    var configuration = VisionConfiguration()
    (configuration.imageSize, configuration.patchSize) = (8, 4)
    (configuration.width, configuration.layers, configuration.heads) = (8, 1, 2)
    var g = SeededGenerator(seed: 1)
    let clip = MiniCLIP(
      vision: VisionTransformer(configuration, using: &g),
      vocabulary: 7, textLength: 3, embedding: 4, using: &g)
    randomise(clip)
    var h = SeededGenerator(seed: 2)
    let images = randomImages(3)
    let ids = [1, 2, 0, 3, 4, 5, 6, 2, 0]
    let report = checkGradients(at: [images] + clip.parameters, using: &h) {
      clip.loss(images: $0[0], texts: ids)
    }
    #expect(report.passed, "\(report)")
  }

  @Test func averagePooling() {
    var h = SeededGenerator(seed: 2)
    let x = Tensor.normal([2, 2, 4, 6], using: &h, requiresGrad: true)
    #expect(checkGradients(at: [x], using: &h) { averagePool($0[0], factor: 2) }.passed)
    let pooled = averagePool(Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 6]), factor: 2)
    #expect(pooled.data == [3])
  }

  @Test func featurePyramid() {
    var g = SeededGenerator(seed: 1)
    let pyramid = FeaturePyramid(vitWidth: 4, channels: 8, using: &g)
    randomise(pyramid)
    var h = SeededGenerator(seed: 2)
    let images = randomImages(1, size: 32).detached()
    let tokens = Tensor.normal([1, 64, 4], using: &h, requiresGrad: true)
    // The ViT's path: tokens → (upsample | keep | pool) → 1×1 fusion → add. The stem
    // (convolutions, group norms, ReLUs) is built from layers checked on their own, and
    // ReLU kinks would make finite differences through it unreliable.
    let inputs = [
      tokens, pyramid.fuse16.weight, pyramid.fuse8.weight, pyramid.fuse4.weight,
    ]
    let report = checkGradients(at: inputs, using: &h) {
      let maps = pyramid(images, vitTokens: $0[0])
      return Tensor.concatenate(maps.map { $0.reshaped([-1]) }, axis: 0)
    }
    #expect(report.passed, "\(report)")
  }
}

@Suite("Vision behaviour")
struct VisionBehaviour {
  @Test func shapesFollowTheConfiguration() {
    var g = SeededGenerator(seed: 1)
    let vit = VisionTransformer(using: &g)
    let images = randomImages(2, size: 32)
    #expect(vit(images).shape == [2, 64, 64])
    let maps = vit.attentionMaps(images)
    #expect(maps.count == 4 && maps[0].shape == [2, 4, 64, 64])
    // Attention weights are distributions over the keys.
    let rowSums = maps[0].sum(axis: -1)
    #expect(rowSums.data.allSatisfy { Swift.abs($0 - 1) < 1e-5 })
    let pyramid = FeaturePyramid(using: &g)
    let levels = pyramid(images, vitTokens: vit(images))
    #expect(levels.map(\.shape) == [[2, 64, 16, 16], [2, 64, 8, 8], [2, 64, 4, 4]])
  }

  @Test func sinCosCodesAreDistinctAndBounded() {
    let codes = sinCosPositions(channels: 16, height: 4, width: 4)  // [C, H, W]
    #expect(codes.data.allSatisfy { Swift.abs($0) <= 1 })
    var seen = Set<[Float]>()
    for p in 0..<16 { seen.insert((0..<16).map { codes.data[$0 * 16 + p] }) }
    #expect(seen.count == 16)
    // Channel 0 is sin(row · 1): zero on the first row.
    #expect((0..<4).allSatisfy { codes.data[$0] == 0 })
  }

  @Test func encoderCheckpointReloadsToIdenticalFeatures() throws {
    var g = SeededGenerator(seed: 1)
    let vit = VisionTransformer(using: &g), other = VisionTransformer(using: &g)
    let path = "/tmp/mmi-vit-\(getpid()).safetensors"
    defer { unlink(path) }
    try vit.save(to: path)
    try other.load(from: path)
    let images = randomImages(2, size: 32)
    #expect(vit(images).data == other(images).data)
    #expect(vit.namedParameters.map(\.name).contains("blocks.3.attention.query.weight"))
  }
}
