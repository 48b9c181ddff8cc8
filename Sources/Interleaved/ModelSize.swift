import Diffusion
import Language
import Synchronizer
import Vision

/// How big a configuration makes each part of the model, counted from its sizes alone
/// (no weights are made), so that the paper's 13B configuration can be counted the
/// same way as MMI-Tiny. A test checks every count against a model that is built.
extension InterleavedConfiguration {
  /// Parameters per part, in the order `MMInterleaved` holds them.
  public var parameterCounts: [(part: String, count: Int)] {
    let v = vision, l = language, width = language.width
    return [
      ("vision transformer", visionTransformerParameters(v)),
      (
        "feature pyramid",
        featurePyramidParameters(
          vitWidth: v.width, channels: decoderSynchronizer.valueWidth)
      ),
      (
        "visual resampler and projection",
        resamplerParameters(
          tokens: visualTokens, width: v.width, layers: visualResamplerLayers)
          + v.width * width + width
      ),
      ("begin-image vector", width),
      ("language model", languageModelParameters(l)),
      (
        "MMFS in the decoder",
        synchronizedLayers.count
          * (width + decoderSynchronizer.valueWidth
            + synchronizerParameters(decoderSynchronizer) + 1)
      ),
      (
        "condition path",
        width * width + width
          + resamplerParameters(
            tokens: conditionTokens, width: width, layers: conditionLayers)
          + conditionTokens * width
      ),
      ("U-Net", unetParameters(unet)),
      (
        "MMFS in the U-Net",
        unetSynchronizerSites.reduce(0) { total, site in
          let channels = site.channels
          var s = unetSynchronizer
          (s.queryWidth, s.outputWidth, s.maxImages) = (channels, channels, 2)
          return total + 2 * channels + 2 * s.valueWidth + synchronizerParameters(s)
            + channels * channels + channels
        }
      ),
    ]
  }
}

extension InterleavedConfiguration {
  /// The paper's release model (CLIP ViT-L/14 at 224², Vicuna-13B, Stable Diffusion
  /// 2.1's U-Net widths on 4-channel latents, upstream's MMFS sizes) in this
  /// configuration's terms, for counting only. Where upstream's design of a part differs
  /// from ours (its ViT-Adapter, Q-Formers, SD's U-Net with two residual blocks and a
  /// transformer per level), the count is of our design at the paper's widths.
  public static var paper: InterleavedConfiguration {
    var c = InterleavedConfiguration(vocabularySize: 32_002)
    (c.vision.imageSize, c.vision.patchSize) = (224, 14)
    (c.vision.width, c.vision.layers, c.vision.heads) = (1024, 24, 16)
    (c.visualTokens, c.visualResamplerLayers) = (64, 12)
    (c.language.width, c.language.layers, c.language.heads) = (5120, 40, 40)
    (c.language.hiddenWidth, c.language.contextLength) = (13_824, 2048)
    c.synchronizedLayers = Array(stride(from: 0, to: 40, by: 4))
    var mmfs = SynchronizerConfiguration()
    (mmfs.queryWidth, mmfs.outputWidth) = (5120, 5120)
    (mmfs.valueWidth, mmfs.attentionWidth) = (1024, 1024)
    (mmfs.heads, mmfs.levels, mmfs.points, mmfs.maxImages) = (16, 3, 8, 50)
    c.decoderSynchronizer = mmfs
    mmfs.levels = 4
    c.unetSynchronizer = mmfs
    (c.conditionTokens, c.conditionLayers) = (77, 1)
    c.unet.imageChannels = 4
    (c.unet.channels, c.unet.attentionLevels) = ([320, 640, 1280, 1280], [0, 1, 2])
    (c.unet.contextWidth, c.unet.timeCodeWidth, c.unet.timeWidth) = (1024, 320, 1280)
    (c.unet.heads, c.unet.groups, c.unetSide) = (8, 32, 64)
    (c.diffusionSteps, c.imageLossWeight) = (1000, 10)
    return c
  }
}

extension MMInterleaved {
  /// The property names that make each part of `parameterCounts`, in its order.
  static let partPrefixes: [[String]] = [
    ["encoder.vit."], ["encoder.pyramid."], ["visualResampler.", "visualProjection."],
    ["beginImageVector"], ["language."], ["decoderSynchronizers."],
    ["conditionProjection.", "conditionResampler.", "nullCondition"], ["unet."],
    ["unetSynchronizers."],
  ]

  /// Parameters per part, counted in this model's tensors (the parts and order of
  /// `InterleavedConfiguration.parameterCounts`).
  public var countedParameters: [(part: String, count: Int)] {
    let named = namedParameters
    return zip(configuration.parameterCounts, Self.partPrefixes).map { entry, prefixes in
      let count = named.filter { name, _ in prefixes.contains { name.hasPrefix($0) } }
        .reduce(0) { $0 + $1.tensor.count }
      return (entry.part, count)
    }
  }
}

/// LayerNorm: a gain and a bias per channel.
private func layerNorm(_ c: Int) -> Int { 2 * c }

/// Linear with bias.
private func linear(_ inputs: Int, _ outputs: Int) -> Int { inputs * outputs + outputs }

/// Convolution with bias.
private func conv(_ inputs: Int, _ outputs: Int, kernel k: Int) -> Int {
  inputs * outputs * k * k + outputs
}

/// Multi-head attention: four projections with biases (keys and values from `context`).
private func attention(_ c: Int, context: Int? = nil) -> Int {
  2 * linear(c, c) + 2 * linear(context ?? c, c)
}

private func visionTransformerParameters(_ v: VisionConfiguration) -> Int {
  let block = 2 * layerNorm(v.width) + attention(v.width) + linear(v.width, 4 * v.width)
    + linear(4 * v.width, v.width)
  return conv(3, v.width, kernel: v.patchSize) + v.tokens * v.width + v.layers * block
    + layerNorm(v.width)
}

private func featurePyramidParameters(vitWidth: Int, channels c: Int) -> Int {
  conv(3, c / 2, kernel: 3) + conv(c / 2, c, kernel: 3) + 2 * conv(c, c, kernel: 3)
    + 3 * layerNorm(c) + 3 * conv(vitWidth, c, kernel: 1)
}

private func resamplerParameters(tokens: Int, width c: Int, layers: Int) -> Int {
  let layer = 3 * layerNorm(c) + attention(c) + linear(c, 4 * c) + linear(4 * c, c)
  return tokens * c + layers * layer + layerNorm(c)
}

private func languageModelParameters(_ l: LanguageModelConfiguration) -> Int {
  let c = l.width
  let block = 2 * c + 4 * c * c + 3 * c * l.hiddenWidth  // norms, attention, SwiGLU
  return 2 * l.vocabularySize * c + l.layers * block + c  // embedding and head
}

private func synchronizerParameters(_ s: SynchronizerConfiguration) -> Int {
  linear(s.queryWidth, s.queryWidth) + s.maxImages * s.queryWidth
    + linear(s.queryWidth, s.heads * s.points * 2)
    + linear(s.queryWidth, s.heads * s.levels * (s.points + 1))
    + linear(s.valueWidth, s.attentionWidth) + linear(s.attentionWidth, s.outputWidth)
}

private func unetParameters(_ u: UNetConfiguration) -> Int {
  let levels = u.channels.count
  func residual(_ inputs: Int, _ outputs: Int) -> Int {
    layerNorm(inputs) + conv(inputs, outputs, kernel: 3) + linear(u.timeWidth, outputs)
      + layerNorm(outputs) + conv(outputs, outputs, kernel: 3)
      + (inputs == outputs ? 0 : conv(inputs, outputs, kernel: 1))
  }
  func crossAttention(_ c: Int, _ level: Int) -> Int {
    guard u.attentionLevels.contains(level) else { return 0 }
    return layerNorm(c) + attention(c, context: u.contextWidth)
  }
  var total = linear(u.timeCodeWidth, u.timeWidth) + linear(u.timeWidth, u.timeWidth)
  total += conv(u.imageChannels, u.channels[0], kernel: 3)
  for level in 0..<levels {
    let c = u.channels[level]
    total += residual(u.channels[max(level - 1, 0)], c) + crossAttention(c, level)
    if level < levels - 1 { total += conv(c, c, kernel: 3) }
  }
  let deepest = u.channels[levels - 1]
  total += 2 * residual(deepest, deepest) + layerNorm(deepest)
    + attention(deepest, context: u.contextWidth)
  for level in (0..<levels).reversed() {
    let c = u.channels[level]
    let from = level == levels - 1 ? deepest : u.channels[level + 1]
    total += residual(from + c, c) + crossAttention(c, level)
    if level > 0 { total += conv(c, c, kernel: 3) }
  }
  let output = layerNorm(u.channels[0]) + conv(u.channels[0], u.imageChannels, kernel: 3)
  return total + output
}

extension InterleavedConfiguration {
  /// The forward pass's matrix-multiply work per part for one training sequence of
  /// `tokens` tokens holding `images` images, every one drawn by the U-Net from a
  /// context padded to `context` positions, in FLOPs (two per multiply–add). Work
  /// outside matrix multiplies (bilinear sampling, softmax, norms) is not counted; the
  /// backward pass costs about twice the forward. A test checks every part against the
  /// engine's count of a real forward pass.
  public func forwardFLOPs(
    tokens t: Int, images: Int, context: Int
  ) -> [(part: String, flops: Int)] {
    let v = vision, d = language.width, k = visualTokens
    let mapSides = [v.imageSize / 2, v.imageSize / 4, v.imageSize / 8]
    let decoderMaps = max(images, 1)
    return [
      ("vision transformer", images * visionTransformerFLOPs(v)),
      (
        "feature pyramid",
        images * featurePyramidFLOPs(v, channels: decoderSynchronizer.valueWidth)
      ),
      (
        "visual resampler and projection",
        images
          * (resamplerFLOPs(tokens: k, media: v.tokens, width: v.width,
                            layers: visualResamplerLayers)
            + 2 * k * v.width * d)
      ),
      ("begin-image vector", 0),
      ("language model", languageModelFLOPs(language, tokens: t)),
      (
        "MMFS in the decoder",
        synchronizedLayers.count
          * synchronizerFLOPs(
            decoderSynchronizer, queries: t, images: decoderMaps, mapSides: mapSides)
      ),
      (
        "condition path",
        images
          * (2 * context * d * d
            + resamplerFLOPs(tokens: conditionTokens, media: context, width: d,
                             layers: conditionLayers))
      ),
      (
        "U-Net",
        images * unetFLOPs(unet, side: unetSide, conditionTokens: conditionTokens)
      ),
      (
        "MMFS in the U-Net",
        images
          * unetSynchronizerSites.reduce(0) { total, site in
            let (channels, siteSide) = site
            var s = unetSynchronizer
            (s.queryWidth, s.outputWidth) = (channels, channels)
            return total
              + synchronizerFLOPs(
                s, queries: siteSide * siteSide, images: 1, mapSides: mapSides)
              + 2 * siteSide * siteSide * channels * channels  // the zero convolution
          }
      ),
    ]
  }
}

/// A k×k convolution producing `pixels` output pixels.
private func convFLOPs(_ inputs: Int, _ outputs: Int, kernel k: Int, pixels: Int) -> Int {
  2 * pixels * inputs * k * k * outputs
}

/// Multi-head attention of `queries` over `keys` (projections included).
private func attentionFLOPs(
  queries q: Int, keys s: Int, width c: Int, context: Int
) -> Int {
  2 * q * c * c * 2 + 2 * s * context * c * 2 + 4 * q * s * c
}

private func visionTransformerFLOPs(_ v: VisionConfiguration) -> Int {
  let m = v.tokens, c = v.width
  let block = attentionFLOPs(queries: m, keys: m, width: c, context: c) + 16 * m * c * c
  return convFLOPs(3, c, kernel: v.patchSize, pixels: m) + v.layers * block
}

private func featurePyramidFLOPs(_ v: VisionConfiguration, channels c: Int) -> Int {
  let (s2, s4, s8) = (v.imageSize / 2, v.imageSize / 4, v.imageSize / 8)
  return convFLOPs(3, c / 2, kernel: 3, pixels: s2 * s2)
    + convFLOPs(c / 2, c, kernel: 3, pixels: s2 * s2)
    + convFLOPs(c, c, kernel: 3, pixels: s4 * s4)
    + convFLOPs(c, c, kernel: 3, pixels: s8 * s8)
    + [s2, s4, s8].reduce(0) { $0 + convFLOPs(v.width, c, kernel: 1, pixels: $1 * $1) }
}

/// K latents reading M media tokens and themselves, `layers` times.
private func resamplerFLOPs(
  tokens k: Int, media m: Int, width c: Int, layers: Int
) -> Int {
  let attention = attentionFLOPs(queries: k, keys: m + k, width: c, context: c)
  return layers * (attention + 16 * k * c * c)
}

private func languageModelFLOPs(_ l: LanguageModelConfiguration, tokens t: Int) -> Int {
  let c = l.width
  let block = 8 * t * c * c + 4 * t * t * c + 6 * t * c * l.hiddenWidth
  return l.layers * block + 2 * t * c * l.vocabularySize
}

private func synchronizerFLOPs(
  _ s: SynchronizerConfiguration, queries t: Int, images n: Int, mapSides: [Int]
) -> Int {
  let perImage = s.heads * s.points * 2 + s.heads * s.levels * (s.points + 1)
  let values = mapSides.prefix(s.levels).reduce(0) { $0 + $1 * $1 }
  return 2 * t * s.queryWidth * s.queryWidth + 2 * t * n * s.queryWidth * perImage
    + 2 * n * values * s.valueWidth * s.attentionWidth
    + 2 * t * s.attentionWidth * s.outputWidth
}

/// One image through the U-Net, with `tokens` condition tokens.
private func unetFLOPs(
  _ u: UNetConfiguration, side: Int, conditionTokens tokens: Int
) -> Int {
  let levels = u.channels.count
  func residual(_ inputs: Int, _ outputs: Int, _ s: Int) -> Int {
    convFLOPs(inputs, outputs, kernel: 3, pixels: s * s)
      + convFLOPs(outputs, outputs, kernel: 3, pixels: s * s) + 2 * u.timeWidth * outputs
      + (inputs == outputs ? 0 : convFLOPs(inputs, outputs, kernel: 1, pixels: s * s))
  }
  func crossAttention(_ c: Int, _ s: Int, _ level: Int) -> Int {
    guard u.attentionLevels.contains(level) else { return 0 }
    return attentionFLOPs(queries: s * s, keys: tokens, width: c, context: u.contextWidth)
  }
  var total = 2 * u.timeCodeWidth * u.timeWidth + 2 * u.timeWidth * u.timeWidth
  total += convFLOPs(u.imageChannels, u.channels[0], kernel: 3, pixels: side * side)
  for level in 0..<levels {
    let (c, s) = (u.channels[level], side >> level)
    total += residual(u.channels[max(level - 1, 0)], c, s) + crossAttention(c, s, level)
    if level < levels - 1 { total += convFLOPs(c, c, kernel: 3, pixels: s * s / 4) }
  }
  let (deepest, bottom) = (u.channels[levels - 1], side >> (levels - 1))
  total += 2 * residual(deepest, deepest, bottom)
    + attentionFLOPs(
      queries: bottom * bottom, keys: tokens, width: deepest, context: u.contextWidth)
  for level in (0..<levels).reversed() {
    let (c, s) = (u.channels[level], side >> level)
    let from = level == levels - 1 ? deepest : u.channels[level + 1]
    total += residual(from + c, c, s) + crossAttention(c, s, level)
    if level > 0 { total += convFLOPs(c, c, kernel: 3, pixels: 4 * s * s) }
  }
  return total + convFLOPs(u.channels[0], u.imageChannels, kernel: 3, pixels: side * side)
}

extension InterleavedConfiguration {
  /// MMI-Tiny's layout at a size a gradient check, or a test in a debug build, can
  /// afford: a 1-layer ViT of width 16, 2 visual tokens, a 3-layer decoder of width 16
  /// with MMFS in layers 0 and 2, 2 condition tokens, an 8-channel U-Net, 10 diffusion
  /// steps.
  public static func tiny(vocabularySize: Int) -> InterleavedConfiguration {
    var c = InterleavedConfiguration(vocabularySize: vocabularySize)
    (c.vision.width, c.vision.layers, c.vision.heads) = (16, 1, 2)
    (c.visualTokens, c.visualResamplerLayers) = (2, 1)
    (c.language.width, c.language.layers, c.language.heads) = (16, 3, 2)
    c.language.hiddenWidth = 32
    var mmfs = SynchronizerConfiguration()
    (mmfs.queryWidth, mmfs.outputWidth, mmfs.attentionWidth) = (16, 16, 8)
    (mmfs.heads, mmfs.points, mmfs.maxImages) = (2, 2, 4)
    c.decoderSynchronizer = mmfs
    (mmfs.heads, mmfs.points) = (1, 1)  // 1,024 pixel queries at 32²: keep them cheap
    c.unetSynchronizer = mmfs
    c.conditionTokens = 2
    (c.unet.channels, c.unet.contextWidth) = ([8, 8, 8], 16)
    (c.unet.timeCodeWidth, c.unet.timeWidth, c.unet.heads, c.unet.groups) = (8, 16, 2, 2)
    c.diffusionSteps = 10
    return c
  }
}
