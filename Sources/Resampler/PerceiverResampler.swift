import Autograd
import Layers
import Vision

// MARK: book:resampler
/// One layer of the Perceiver Resampler: the latents attend to the image tokens and to
/// themselves, then pass through a feed-forward block (Flamingo's design, pre-norm).
public final class ResamplerLayer: Layer {
  public var latentNorm: LayerNorm, mediaNorm: LayerNorm
  public var attention: MultiHeadAttention
  public var feedForwardNorm: LayerNorm, feedForward: FeedForward

  public init(width: Int, heads: Int, using generator: inout SeededGenerator) {
    latentNorm = LayerNorm(width)
    mediaNorm = LayerNorm(width)
    attention = MultiHeadAttention(width: width, heads: heads, using: &generator)
    feedForwardNorm = LayerNorm(width)
    feedForward = FeedForward(width: width, using: &generator)
  }

  /// latents [B, K, C], media [B, M, C] → latents [B, K, C].
  public func callAsFunction(_ latents: Tensor, media: Tensor) -> Tensor {
    let z = latentNorm(latents)  // [B, K, C]
    let context = Tensor.concatenate([mediaNorm(media), z], axis: 1)  // [B, M + K, C]
    let attended = latents + attention(z, context: context)  // [B, K, C]
    return attended + feedForward(feedForwardNorm(attended))
  }
}

// MARK: end
// MARK: book:resampler-stack
/// The Perceiver Resampler (Alayrac et al., 2022): K learned latent vectors read an
/// image's N tokens through cross-attention, so every image becomes exactly K tokens,
/// however many it started with. MM-Interleaved feeds these K tokens to the language
/// model (its code uses a Q-Former, a BERT-style variant).
public final class PerceiverResampler: Layer {
  public var latents: Tensor  // [K, C]
  public var layers: [ResamplerLayer]
  public var finalNorm: LayerNorm

  public init(
    tokens: Int, width: Int, layers count: Int = 2, heads: Int = 4,
    using generator: inout SeededGenerator
  ) {
    latents = Tensor.normal(
      [tokens, width], std: 0.02, using: &generator,
      requiresGrad: true)
    layers = (0..<count).map { _ in
      ResamplerLayer(width: width, heads: heads, using: &generator)
    }
    finalNorm = LayerNorm(width)
  }

  /// Image tokens [B, M, C] → K visual tokens [B, K, C].
  public func callAsFunction(_ media: Tensor) -> Tensor {
    let batch = media.shape[0]
    var z =
      latents.reshaped([1] + latents.shape)
      + Tensor.zeros([batch] + latents.shape)  // [B, K, C]
    for layer in layers { z = layer(z, media: media) }
    return finalNorm(z)
  }
}
// MARK: end
