import Autograd
import Layers

// MARK: book:feed-forward
/// The feed-forward part of a transformer block: C → 4C → C with a GELU between.
public final class FeedForward: Layer {
  public var up: Linear, down: Linear

  public init(width: Int, hidden: Int? = nil, using generator: inout SeededGenerator) {
    up = Linear(width, hidden ?? 4 * width, using: &generator)
    down = Linear(hidden ?? 4 * width, width, using: &generator)
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    down(up(x).gelu())  // [..., C]
  }
}
// MARK: end

// MARK: book:transformer-block
/// A pre-norm transformer block, as in ViT and CLIP: each sub-layer sees a normalised
/// copy of the stream and adds its result back (a residual connection), so the stream
/// itself is never squashed and gradients reach early layers undiminished.
///
///     x ← x + Attention(LayerNorm(x))
///     x ← x + FeedForward(LayerNorm(x))
public final class TransformerBlock: Layer {
  public var attentionNorm: LayerNorm, attention: MultiHeadAttention
  public var feedForwardNorm: LayerNorm, feedForward: FeedForward

  public init(width: Int, heads: Int, using generator: inout SeededGenerator) {
    attentionNorm = LayerNorm(width)
    attention = MultiHeadAttention(width: width, heads: heads, using: &generator)
    feedForwardNorm = LayerNorm(width)
    feedForward = FeedForward(width: width, using: &generator)
  }

  /// [B, T, C] → [B, T, C]; `mask` is added to the attention scores.
  public func callAsFunction(_ x: Tensor, mask: Tensor? = nil) -> Tensor {
    let attended = x + attention(attentionNorm(x), mask: mask)  // [B, T, C]
    return attended + feedForward(feedForwardNorm(attended))  // [B, T, C]
  }
}
// MARK: end
