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

  /// latents [B, K, C], media [B, M, C] → latents [B, K, C]. `mask`, if given, is
  /// added to the attention scores over the M + K keys (−∞ hides a key).
  public func callAsFunction(
    _ latents: Tensor, media: Tensor, mask: Tensor? = nil
  ) -> Tensor {
    let z = latentNorm(latents)  // [B, K, C]
    let context = Tensor.concatenate([mediaNorm(media), z], axis: 1)  // [B, M + K, C]
    let attended = latents + attention(z, context: context, mask: mask)  // [B, K, C]
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

  /// Image tokens [B, M, C] → K visual tokens [B, K, C]. `mediaMask` ([B, M]
  /// row-major, true = real) hides padding when the media have different lengths, as
  /// MM-Interleaved's second resampler needs for its contexts; the latents always see
  /// themselves, so no row is ever empty.
  public func callAsFunction(_ media: Tensor, mediaMask: [Bool]? = nil) -> Tensor {
    let (batch, m) = (media.shape[0], media.shape[1])
    let k = latents.shape[0]
    var z =
      latents.reshaped([1] + latents.shape)
      + Tensor.zeros([batch] + latents.shape)  // [B, K, C]
    let mask = mediaMask.map { flags in
      require(
        flags.count == batch * m, "PerceiverResampler",
        "mediaMask needs one flag per medium token, [\(batch), \(m)], "
          + "got \(flags.count) flags")
      let hidden = (0..<batch).flatMap { b in
        (0..<m).map { flags[b * m + $0] ? Float(0) : -.infinity }
          + [Float](repeating: 0, count: k)
      }
      return Tensor(shape: [batch, 1, 1, m + k], data: hidden)  // [B, 1, 1, M + K]
    }
    for layer in layers { z = layer(z, media: media, mask: mask) }
    return finalNorm(z)
  }
}
// MARK: end
