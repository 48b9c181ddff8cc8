import Autograd
import Layers

/// The sizes of a Vision Transformer. MMI-Tiny's (DESIGN §4) are the defaults; the
/// paper's encoder is CLIP ViT-L/14: patch 14, width 1024, 24 layers, 16 heads, 224².
public struct VisionConfiguration: Sendable, Equatable {
  public var imageSize = 32  // paper: 224
  public var patchSize = 4  // paper: 14
  public var width = 64  // paper: 1024
  public var layers = 4  // paper: 24
  public var heads = 4  // paper: 16

  public init() {}

  /// Patches per side: 32 / 4 = 8, so 64 tokens.
  public var grid: Int { imageSize / patchSize }
  public var tokens: Int { grid * grid }
}

// MARK: book:vit
/// A Vision Transformer (Dosovitskiy et al., 2021): the image is cut into patches, each
/// patch becomes a token by one linear map, a learned position embedding says where the
/// patch was, and transformer blocks let every patch attend to every other.
public final class VisionTransformer: Layer {
  public let configuration: VisionConfiguration
  /// The patch embedding: a convolution whose kernel and stride are the patch size is
  /// exactly "cut into patches, then one linear map per patch".
  public var patchEmbedding: Conv2d
  public var positions: Tensor  // [M, C]
  public var blocks: [TransformerBlock]
  public var finalNorm: LayerNorm

  public init(
    _ configuration: VisionConfiguration = VisionConfiguration(),
    using generator: inout SeededGenerator
  ) {
    self.configuration = configuration
    let c = configuration
    patchEmbedding = Conv2d(
      3, c.width, kernel: c.patchSize, stride: c.patchSize,
      initialization: .xavierUniform, using: &generator)
    positions = Initialization.normal(std: 0.02).tensor(
      [c.tokens, c.width], fanIn: c.width, fanOut: c.width, using: &generator)
    blocks = (0..<c.layers).map { _ in
      TransformerBlock(width: c.width, heads: c.heads, using: &generator)
    }
    finalNorm = LayerNorm(c.width)
  }

  // MARK: end
  // MARK: book:vit-forward
  /// Images [B, 3, H, W] → patch tokens [B, M, C] (M = 64 for 32² images).
  public func tokens(_ images: Tensor) -> Tensor {
    let patches = patchEmbedding(images)  // [B, C, 8, 8]
    let (b, c) = (patches.shape[0], patches.shape[1])
    return patches.reshaped([b, c, -1]).transposed() + positions  // [B, M, C]
  }

  /// Images [B, 3, H, W] → encoded tokens [B, M, C].
  public func callAsFunction(_ images: Tensor) -> Tensor {
    var x = tokens(images)  // [B, M, C]
    for block in blocks { x = block(x) }  // [B, M, C]
    return finalNorm(x)
  }
  // MARK: end

  /// The attention weights of every layer for `images`: [L] × [B, h, M, M].
  public func attentionMaps(_ images: Tensor) -> [Tensor] {
    withoutGradient {
      var x = tokens(images)
      var maps: [Tensor] = []
      for block in blocks {
        maps.append(block.attention.weights(block.attentionNorm(x)))
        x = block(x)
      }
      return maps
    }
  }
}
