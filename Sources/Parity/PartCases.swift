import Autograd
import Diffusion
import Interleaved
import Language
import Layers
import Resampler
import Synchronizer
import Vision

/// The parity cases of single parts: each builds a small layer from the seeded
/// generator, runs it forward on random inputs and backward from random probes.
enum PartCases {
  static func all(using generator: inout SeededGenerator) -> [ParityCase] {
    [
      bilinear(using: &generator), rmsNorm(using: &generator),
      layerNorm(using: &generator), groupNorm(using: &generator),
      rope(using: &generator), attention(using: &generator),
      convolution(using: &generator), decoderBlock(using: &generator),
      synchronizer(using: &generator), unetSynchronizer(using: &generator),
      decoderCrossAttention(using: &generator),
      resampler(using: &generator), encoder(using: &generator), unet(using: &generator),
    ]
  }

  /// Bilinear sampling, with points inside, on the border and outside the map.
  static func bilinear(using generator: inout SeededGenerator) -> ParityCase {
    var record = ParityCase("bilinear-sampling")
    let values = Tensor.normal([3, 5, 6, 4], using: &generator, requiresGrad: true)
    let locations = Tensor.uniform(
      [3, 7, 2], low: -0.2, high: 1.2, using: &generator, requiresGrad: true)
    let samples = bilinearSample(values, at: locations)  // [G, Q, C]
    return finish(
      &record, layer: nil, inputs: [("values", values), ("locations", locations)],
      outputs: [("samples", samples)], using: &generator)
  }

  static func rmsNorm(using generator: inout SeededGenerator) -> ParityCase {
    var record = ParityCase("rmsnorm")
    let norm = RMSNorm(16)
    perturbConstantParameters(norm, using: &generator)
    let x = Tensor.normal([2, 3, 16], using: &generator, requiresGrad: true)
    return finish(
      &record, layer: norm, inputs: [("x", x)], outputs: [("y", norm(x))],
      using: &generator)
  }

  static func layerNorm(using generator: inout SeededGenerator) -> ParityCase {
    var record = ParityCase("layernorm")
    let norm = LayerNorm(16)
    perturbConstantParameters(norm, using: &generator)
    let x = Tensor.normal([2, 3, 16], mean: 0.5, using: &generator, requiresGrad: true)
    return finish(
      &record, layer: norm, inputs: [("x", x)], outputs: [("y", norm(x))],
      using: &generator)
  }

  static func groupNorm(using generator: inout SeededGenerator) -> ParityCase {
    var record = ParityCase("groupnorm", settings: ["groups": "4"])
    let norm = GroupNorm(groups: 4, channels: 16)
    perturbConstantParameters(norm, using: &generator)
    let x = Tensor.normal(
      [2, 16, 5, 5], mean: 0.5, using: &generator, requiresGrad: true)
    return finish(
      &record, layer: norm, inputs: [("x", x)], outputs: [("y", norm(x))],
      using: &generator)
  }

  /// RoPE on a block of queries that starts at position 3 (as after a cache of 3).
  static func rope(using generator: inout SeededGenerator) -> ParityCase {
    var record = ParityCase("rope", settings: ["start": "3"])
    let rotary = RotaryEmbedding(headWidth: 8)
    let x = Tensor.normal([2, 2, 6, 8], using: &generator, requiresGrad: true)
    return finish(
      &record, layer: nil, inputs: [("x", x)], outputs: [("y", rotary(x, start: 3))],
      using: &generator)
  }

  /// Cross-attention with a mask that hides some keys (never a whole row).
  static func attention(using generator: inout SeededGenerator) -> ParityCase {
    var record = ParityCase("attention", settings: ["heads": "4"])
    let attention = MultiHeadAttention(
      width: 16, heads: 4, contextWidth: 12, using: &generator)
    perturbConstantParameters(attention, using: &generator)
    let x = Tensor.normal([2, 5, 16], using: &generator, requiresGrad: true)
    let context = Tensor.normal([2, 7, 12], using: &generator, requiresGrad: true)
    let hidden = (0..<(2 * 5 * 7)).map { $0 % 7 != 0 && $0 % 3 == 0 }
    let mask = Tensor(
      shape: [2, 1, 5, 7], data: hidden.map { $0 ? -Float.infinity : 0 })
    let y = attention(x, context: context, mask: mask)
    record.input("mask", flags: hidden, shape: [2, 1, 5, 7])
    return finish(
      &record, layer: attention, inputs: [("x", x), ("context", context)],
      outputs: [("y", y)], using: &generator)
  }

  /// A strided, padded 3×3 convolution and a 1×1 one after it.
  static func convolution(using generator: inout SeededGenerator) -> ParityCase {
    var record = ParityCase("convolution")
    let model = ConvolutionPair(using: &generator)
    perturbConstantParameters(model, using: &generator)
    let x = Tensor.normal([2, 4, 9, 9], using: &generator, requiresGrad: true)
    let strided = model.strided(x)  // [2, 6, 5, 5]
    return finish(
      &record, layer: model, inputs: [("x", x)],
      outputs: [("strided", strided), ("pointwise", model.pointwise(strided))],
      using: &generator)
  }

  static func decoderBlock(using generator: inout SeededGenerator) -> ParityCase {
    var record = ParityCase("decoder-block", settings: ["heads": "4"])
    let block = DecoderBlock(width: 32, heads: 4, hidden: 64, using: &generator)
    perturbConstantParameters(block, using: &generator)
    let x = Tensor.normal([2, 9, 32], using: &generator, requiresGrad: true)
    return finish(
      &record, layer: block, inputs: [("x", x)], outputs: [("y", block(x))],
      using: &generator)
  }

  /// MMFS over three images, some of them hidden from some tokens (one token sees
  /// none), with the offsets' weights made non-zero so that locations depend on x.
  static func synchronizer(using generator: inout SeededGenerator) -> ParityCase {
    var c = SynchronizerConfiguration()
    (c.queryWidth, c.valueWidth, c.attentionWidth, c.outputWidth) = (32, 16, 16, 32)
    c.maxImages = 4
    var record = ParityCase("mmfs", settings: synchronizerSettings(c))
    let mmfs = MultiModalFeatureSynchronizer(c, using: &generator)
    perturbConstantParameters(mmfs, using: &generator)
    let (b, t, n) = (2, 6, 3)
    let x = Tensor.normal([b, t, 32], using: &generator, requiresGrad: true)
    let reference = Tensor.uniform([b, t, 2], using: &generator, requiresGrad: true)
    let maps = [8, 4, 2].map { side in
      Tensor.normal([b, n, 16, side, side], using: &generator, requiresGrad: true)
    }
    let visible = (0..<(b * t * n)).map { i in i / n != 1 && (i * 7) % 5 != 0 }
    record.input("visible", flags: visible, shape: [b, t, n])
    let y = mmfs(x, reference: reference, maps: maps, visible: visible)
    return finish(
      &record, layer: mmfs,
      inputs: [("x", x), ("reference", reference)]
        + maps.enumerated().map { ("map\($0)", $1) },
      outputs: [("y", y)], using: &generator)
  }

  /// The U-Net's MMFS block at an 8×8 site: one image has a previous image, one not.
  static func unetSynchronizer(using generator: inout SeededGenerator) -> ParityCase {
    var base = SynchronizerConfiguration()
    (base.valueWidth, base.attentionWidth) = (16, 16)
    var record = ParityCase(
      "unet-synchronizer",
      settings: synchronizerSettings(base).merging(["channels": "16", "side": "8"]) {
        $1
      })
    let block = UNetSynchronizer(channels: 16, side: 8, base: base, using: &generator)
    perturbConstantParameters(block, using: &generator)
    let features = Tensor.normal([2, 16, 8, 8], using: &generator, requiresGrad: true)
    let maps = [8, 4, 2].map { side in
      Tensor.normal([2, 1, 16, side, side], using: &generator, requiresGrad: true)
    }
    let hasPrevious = [true, false]
    record.input("hasPrevious", flags: hasPrevious, shape: [2])
    let y = block(features, maps: maps, hasPrevious: hasPrevious)
    return finish(
      &record, layer: block,
      inputs: [("features", features)] + maps.enumerated().map { ("map\($0)", $1) },
      outputs: [("y", y)], using: &generator)
  }

  /// Chapter 10's dense cross-attention over two images' maps (one token sees none:
  /// it reads only the null key).
  static func decoderCrossAttention(
    using generator: inout SeededGenerator
  ) -> ParityCase {
    var c = SynchronizerConfiguration()
    (c.queryWidth, c.valueWidth, c.attentionWidth, c.outputWidth) = (32, 16, 16, 32)
    var record = ParityCase("decoder-cross-attention", settings: synchronizerSettings(c))
    let layer = DecoderCrossAttention(c, using: &generator)
    perturbConstantParameters(layer, using: &generator)
    let (b, t, n) = (2, 5, 2)
    let h = Tensor.normal([b, t, 32], using: &generator, requiresGrad: true)
    let maps = [8, 4, 2].map { side in
      Tensor.normal([b, n, 16, side, side], using: &generator, requiresGrad: true)
    }
    let visible = (0..<(b * t * n)).map { i in i / n != 2 && i % 3 != 1 }
    record.input("visible", flags: visible, shape: [b, t, n])
    let y = layer(h, maps: maps, visible: visible)
    return finish(
      &record, layer: layer,
      inputs: [("h", h)] + maps.enumerated().map { ("map\($0)", $1) },
      outputs: [("y", y)], using: &generator)
  }

  /// The Perceiver Resampler with padding hidden from the latents.
  static func resampler(using generator: inout SeededGenerator) -> ParityCase {
    var record = ParityCase("resampler", settings: ["heads": "4"])
    let resampler = PerceiverResampler(
      tokens: 4, width: 16, layers: 2, heads: 4, using: &generator)
    perturbConstantParameters(resampler, using: &generator)
    let media = Tensor.normal([2, 6, 16], using: &generator, requiresGrad: true)
    let real = (0..<12).map { $0 < 9 }  // all 6 of the first medium, 3 of the second
    record.input("mediaMask", flags: real, shape: [2, 6])
    return finish(
      &record, layer: resampler, inputs: [("media", media)],
      outputs: [("latents", resampler(media, mediaMask: real))], using: &generator)
  }

  /// Chapter 3's image encoder at MMI-Tiny's size: the ViT's tokens and the maps.
  static func encoder(using generator: inout SeededGenerator) -> ParityCase {
    var record = ParityCase("image-encoder")
    let encoder = ImageEncoder(using: &generator)
    perturbConstantParameters(encoder, using: &generator)
    let images = Tensor.uniform([2, 3, 32, 32], using: &generator, requiresGrad: true)
    let (tokens, maps) = encoder(images)
    return finish(
      &record, layer: encoder, inputs: [("images", images)],
      outputs: [("tokens", tokens)] + maps.enumerated().map { ("map\($0)", $1) },
      using: &generator)
  }

  /// Chapter 7's U-Net at MMI-Tiny's size, without MMFS.
  static func unet(using generator: inout SeededGenerator) -> ParityCase {
    var record = ParityCase("unet", settings: ["heads": "4", "groups": "8"])
    let unet = UNet(using: &generator)
    perturbConstantParameters(unet, using: &generator)
    let x = Tensor.normal([2, 3, 32, 32], using: &generator, requiresGrad: true)
    let context = Tensor.normal([2, 8, 128], using: &generator, requiresGrad: true)
    let timesteps = [17, 150]
    record.input("timesteps", integers: timesteps, shape: [2])
    let epsilon = unet(x, timesteps: timesteps, context: context)
    return finish(
      &record, layer: unet, inputs: [("x", x), ("context", context)],
      outputs: [("epsilon", epsilon)], using: &generator)
  }

  /// Records a case: parameters, inputs, outputs, then the gradients of one backward
  /// pass from random probes.
  static func finish(
    _ record: inout ParityCase, layer: Layer?, inputs: [(name: String, tensor: Tensor)],
    outputs: [(name: String, tensor: Tensor)], using generator: inout SeededGenerator
  ) -> ParityCase {
    if let layer { record.parameters(of: layer) }
    for (name, tensor) in inputs { record.input(name, tensor) }
    for (name, tensor) in outputs { record.output(name, tensor) }
    record.backward(from: outputs, using: &generator)
    if let layer { record.parameterGradients(of: layer) }
    record.gradients(inputs, prefix: "input")
    return record
  }
}

/// Two convolutions in a row, for the convolution case.
final class ConvolutionPair: Layer {
  var strided: Conv2d, pointwise: Conv2d

  init(using generator: inout SeededGenerator) {
    strided = Conv2d(4, 6, kernel: 3, stride: 2, padding: 1, using: &generator)
    pointwise = Conv2d(6, 5, kernel: 1, using: &generator)
  }
}

/// A synchronizer's sizes as settings for the twin.
func synchronizerSettings(_ c: SynchronizerConfiguration) -> [String: String] {
  [
    "queryWidth": "\(c.queryWidth)", "valueWidth": "\(c.valueWidth)",
    "attentionWidth": "\(c.attentionWidth)", "outputWidth": "\(c.outputWidth)",
    "heads": "\(c.heads)", "levels": "\(c.levels)", "points": "\(c.points)",
    "baseGrid": "\(c.baseGrid)", "maxImages": "\(c.maxImages)",
  ]
}

/// Parameters that start constant (gains of 1, biases and gates of 0, zero
/// convolutions) get a random perturbation, so that the case exercises every path: a
/// closed gate or a zero projection would hide a wrong gradient behind a zero.
func perturbConstantParameters(_ layer: Layer, using generator: inout SeededGenerator) {
  for (_, parameter) in layer.namedParameters {
    let values = parameter.data
    guard let first = values.first, values.allSatisfy({ $0 == first }) else { continue }
    parameter.assign(values.map { $0 + 0.2 * generator.nextNormal() })
  }
}
