import Autograd
import Layers

/// A small transformer over word tokens, pooled to one vector: CLIP's text tower in
/// miniature.
public final class TextEncoder: Layer {
  public var embedding: Embedding
  public var positions: Tensor  // [T, C]
  public var blocks: [TransformerBlock]
  public var finalNorm: LayerNorm

  public init(
    vocabulary: Int, length: Int, width: Int = 64, layers: Int = 2, heads: Int = 4,
    using generator: inout SeededGenerator
  ) {
    embedding = Embedding(
      vocabulary, width, initialization: .normal(std: 0.02),
      using: &generator)
    positions = Initialization.normal(std: 0.02).tensor(
      [length, width], fanIn: width, fanOut: width, using: &generator)
    blocks = (0..<layers).map { _ in
      TransformerBlock(width: width, heads: heads, using: &generator)
    }
    finalNorm = LayerNorm(width)
  }

  /// Token ids [B × T] (0 = padding) → one vector per text [B, C]: the mean of the
  /// encoded non-padding tokens. Padding is hidden from attention by the mask.
  public func callAsFunction(_ ids: [Int], batch: Int) -> Tensor {
    let length = ids.count / batch
    let real = ids.map { $0 == 0 ? Float(0) : 1 }
    let keyMask = Tensor(
      shape: [batch, 1, 1, length],
      data: real.map { $0 == 0 ? -Float.infinity : 0 })
    var x = embedding(ids, shape: [batch, length]) + positions  // [B, T, C]
    for block in blocks { x = block(x, mask: keyMask) }
    let weights = Tensor(shape: [batch, length, 1], data: real)
    let counts = weights.sum(axis: 1)  // [B, 1]
    return (finalNorm(x) * weights).sum(axis: 1) / counts  // [B, C]
  }
}

// MARK: book:clip
/// Contrastive image–text training (CLIP, Radford et al., 2021): embed B images and
/// their B captions, compare every image with every caption, and train so that each
/// image's own caption scores highest, and each caption's own image.
public final class MiniCLIP: Layer {
  public var vision: VisionTransformer
  public var text: TextEncoder
  public var imageProjection: Linear, textProjection: Linear
  /// log of the inverse temperature: the similarities are multiplied by e^logitScale.
  public var logitScale: Tensor

  public init(
    vision: VisionTransformer, vocabulary: Int, textLength: Int, embedding: Int = 64,
    using generator: inout SeededGenerator
  ) {
    let width = vision.configuration.width
    self.vision = vision
    text = TextEncoder(
      vocabulary: vocabulary, length: textLength, width: width,
      using: &generator)
    imageProjection = Linear(width, embedding, bias: false, using: &generator)
    textProjection = Linear(width, embedding, bias: false, using: &generator)
    logitScale = Tensor([2.659], requiresGrad: true)  // log(1/0.07), CLIP's start
  }

  /// Unit-length image embeddings [B, D]: the ViT's tokens averaged, then projected.
  public func embedImages(_ images: Tensor) -> Tensor { embed(tokens: vision(images)) }

  /// The same from tokens [B, M, C] the ViT already computed.
  public func embed(tokens: Tensor) -> Tensor {
    unitLength(imageProjection(tokens.mean(axis: 1)))  // [B, D]
  }

  /// Unit-length text embeddings [B, D].
  public func embedTexts(_ ids: [Int], batch: Int) -> Tensor {
    unitLength(textProjection(text(ids, batch: batch)))
  }

  // MARK: end
  // MARK: book:clip-loss
  /// The symmetric contrastive loss: cross-entropy of each image over the captions and
  /// of each caption over the images, the matching pair being the target.
  public func loss(images: Tensor, texts ids: [Int]) -> Tensor {
    loss(tokens: vision(images), texts: ids)
  }

  /// The loss from image tokens [B, M, C] the ViT already computed.
  public func loss(tokens: Tensor, texts ids: [Int]) -> Tensor {
    let batch = tokens.shape[0]
    let similarity = matmul(
      embed(tokens: tokens), embedTexts(ids, batch: batch),
      transposingB: true)  // [B, B], cosines
    let logits = similarity * logitScale.exp()
    let targets = Array(0..<batch)
    return
      (crossEntropy(logits, targets: targets)
      + crossEntropy(logits.transposed(), targets: targets)) * 0.5
  }
}

/// Each row scaled to length 1.
public func unitLength(_ x: Tensor) -> Tensor {
  x / ((x * x).sum(axis: -1, keepingDims: true) + 1e-12).sqrt()
}
// MARK: end

extension MiniCLIP {
  /// The mini-CLIP Chapter 3 trains beside the encoder (captions of at most
  /// `captionLength` words): Chapter 10's judge of whether a drawn image agrees with
  /// the words it was drawn from.
  public static let savedByChapter3 = SavedModel(
    chapter: 3, name: "the mini-CLIP", fullPath: "Checkpoints/ch03-clip.safetensors",
    quickPath: "Checkpoints/ch03-clip-quick.safetensors", quickTime: "~20 s",
    fullTime: "~5 min")

  /// The caption length Chapter 3's mini-CLIP reads, in words.
  public static let captionLength = 24
}
