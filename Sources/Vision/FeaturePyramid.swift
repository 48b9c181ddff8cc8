import Autograd
import Layers
import Platform

/// The multi-scale feature maps the Multi-Modal Feature Synchronizer reads: 16², 8² and
/// 4² maps with 64 channels (the paper: ViT-Adapter over CLIP ViT-L, 4 maps of 1024
/// channels, of which the language model reads 3).
///
/// ViT-Adapter in miniature. The ViT sees 4×4 patches and so keeps little detail finer
/// than a patch; a small convolutional stem supplies it. The stem gives maps at 16², 8²
/// and 4²; the ViT's 8×8 token map is brought to each scale (upsampled, kept, pooled),
/// projected by a 1×1 convolution and added; fixed 2-D sine–cosine positions are added
/// last, so every cell of every map knows where it is.
public final class FeaturePyramid: Layer {
  public var stem16: Conv2d, stem16Refine: Conv2d, stem8: Conv2d, stem4: Conv2d
  public var stemNorm16: GroupNorm, stemNorm8: GroupNorm, stemNorm4: GroupNorm
  public var fuse16: Conv2d, fuse8: Conv2d, fuse4: Conv2d
  /// Channels of every map.
  public let channels: Int

  public init(
    vitWidth: Int = 64, channels: Int = 64, using generator: inout SeededGenerator
  ) {
    self.channels = channels
    stem16 = Conv2d(3, channels / 2, kernel: 3, stride: 2, padding: 1, using: &generator)
    stem16Refine = Conv2d(
      channels / 2, channels, kernel: 3, padding: 1, using: &generator)
    stem8 = Conv2d(
      channels, channels, kernel: 3, stride: 2, padding: 1, using: &generator)
    stem4 = Conv2d(
      channels, channels, kernel: 3, stride: 2, padding: 1, using: &generator)
    stemNorm16 = GroupNorm(groups: 8, channels: channels)
    stemNorm8 = GroupNorm(groups: 8, channels: channels)
    stemNorm4 = GroupNorm(groups: 8, channels: channels)
    fuse16 = Conv2d(
      vitWidth, channels, kernel: 1, initialization: .xavierUniform,
      using: &generator)
    fuse8 = Conv2d(
      vitWidth, channels, kernel: 1, initialization: .xavierUniform,
      using: &generator)
    fuse4 = Conv2d(
      vitWidth, channels, kernel: 1, initialization: .xavierUniform,
      using: &generator)
  }

  // MARK: book:pyramid
  /// Images [B, 3, 32, 32] and the ViT's tokens [B, 64, C] → maps [B, C, 16, 16],
  /// [B, C, 8, 8] and [B, C, 4, 4].
  public func callAsFunction(_ images: Tensor, vitTokens: Tensor) -> [Tensor] {
    let b = images.shape[0]
    let width = vitTokens.shape[2]
    let grid = vitTokens.transposed().reshaped([b, width, 8, 8])  // [B, C, 8, 8]
    let coarse = stem16(images).relu()  // [B, C/2, 16, 16]
    let detail16 = stemNorm16(stem16Refine(coarse)).relu()  // [B, C, 16, 16]
    let detail8 = stemNorm8(stem8(detail16)).relu()  // [B, C, 8, 8]
    let detail4 = stemNorm4(stem4(detail8)).relu()  // [B, C, 4, 4]
    let map16 = detail16 + fuse16(upsampleNearest(grid, factor: 2))
    let map8 = detail8 + fuse8(grid)
    let map4 = detail4 + fuse4(averagePool(grid, factor: 2))
    return [map16, map8, map4].map { map in
      map + sinCosPositions(channels: channels, height: map.shape[2], width: map.shape[3])
    }
  }
  // MARK: end
}

/// The image encoder later chapters load: the ViT and its feature pyramid.
public final class ImageEncoder: Layer {
  public var vit: VisionTransformer
  public var pyramid: FeaturePyramid

  public init(
    _ configuration: VisionConfiguration = VisionConfiguration(),
    using generator: inout SeededGenerator
  ) {
    vit = VisionTransformer(configuration, using: &generator)
    pyramid = FeaturePyramid(vitWidth: configuration.width, using: &generator)
  }

  /// Images [B, 3, 32, 32] → the ViT's tokens [B, 64, C] and the maps at 16², 8², 4².
  public func callAsFunction(_ images: Tensor) -> (tokens: Tensor, maps: [Tensor]) {
    let tokens = vit(images)  // [B, M, C]
    return (tokens, pyramid(images, vitTokens: tokens))
  }
}

extension ImageEncoder {
  /// The encoder Chapter 3 trains and saves.
  public static let savedByChapter3 = SavedModel(
    chapter: 3, name: "the encoder", fullPath: "Checkpoints/ch03-encoder.safetensors",
    quickPath: "Checkpoints/ch03-encoder-quick.safetensors", quickTime: "~20 s",
    fullTime: "~5 min")

  /// The segmentation head Chapter 3 trains beside the encoder (a 1×1 convolution from
  /// the 16² level, 64 channels, to the world's classes): a reader of images for
  /// Chapter 9's evaluations.
  public static let segmentationHeadSavedByChapter3 = SavedModel(
    chapter: 3, name: "the segmentation head",
    fullPath: "Checkpoints/ch03-segmentation.safetensors",
    quickPath: "Checkpoints/ch03-segmentation-quick.safetensors", quickTime: "~20 s",
    fullTime: "~5 min")

  /// The encoder Chapter 3 saved (its full run's if `full` and there is one), loaded.
  public static func savedByChapter3(
    full: Bool, using generator: inout SeededGenerator
  ) throws(SavedModelError) -> (encoder: ImageEncoder, path: String) {
    let encoder = ImageEncoder(using: &generator)
    let path = try savedByChapter3.load(into: encoder, full: full)
    return (encoder, path)
  }
}
