import Autograd
import Layers

/// The keys and values one attention layer has computed so far, [B, h, S, d] each, so
/// that generating a token costs one new row instead of recomputing the whole prefix.
public final class LayerCache {
  public internal(set) var keys: Tensor?
  public internal(set) var values: Tensor?
  /// Positions cached so far (S).
  public var length: Int { keys?.shape[2] ?? 0 }
  public init() {}
}

// MARK: book:llama-attention
/// Causal multi-head self-attention as in LLaMA: projections without bias, rotary
/// position embedding on queries and keys, and an optional cache of earlier keys and
/// values for generation.
public final class CausalSelfAttention: Layer {
  public var query: Linear, key: Linear, value: Linear, output: Linear
  public let heads: Int
  public let rotary: RotaryEmbedding

  public init(width: Int, heads: Int, using generator: inout SeededGenerator) {
    require(width % heads == 0, "attention", "\(width) does not split into \(heads)")
    query = Linear(width, width, bias: false, using: &generator)
    key = Linear(width, width, bias: false, using: &generator)
    value = Linear(width, width, bias: false, using: &generator)
    output = Linear(width, width, bias: false, using: &generator)
    self.heads = heads
    rotary = RotaryEmbedding(headWidth: width / heads)
  }

  // MARK: end
  // MARK: book:llama-attention-forward
  /// `x` [B, T, C] → [B, T, C]. With a `cache`, the T new tokens come after the
  /// cache's S positions: they attend to those and to each other (causally), and their
  /// keys and values are appended.
  public func callAsFunction(_ x: Tensor, cache: LayerCache? = nil) -> Tensor {
    let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
    let start = cache?.length ?? 0
    func split(_ y: Tensor) -> Tensor {  // [B, T, C] → [B, h, T, d]
      y.reshaped([b, t, heads, c / heads]).permuted([0, 2, 1, 3])
    }
    let q = rotary(split(query(x)), start: start)  // [B, h, T, d]
    var k = rotary(split(key(x)), start: start)  // [B, h, T, d]
    var v = split(value(x))  // [B, h, T, d]
    if let cache {
      if let keys = cache.keys, let values = cache.values {
        k = Tensor.concatenate([keys, k], axis: 2)  // [B, h, S + T, d]
        v = Tensor.concatenate([values, v], axis: 2)  // [B, h, S + T, d]
      }
      (cache.keys, cache.values) = (k, v)
    }
    let scale = 1 / Float(c / heads).squareRoot()
    let scores = matmul(q, k, transposingB: true) * scale  // [B, h, T, S + T]
    let mixed = matmul((scores + Self.causalMask(queries: t, after: start)).softmax(), v)
    return output(mixed.permuted([0, 2, 1, 3]).reshaped([b, t, c]))  // [B, T, C]
  }

  /// [T, S + T]: query i (at position S + i) may see keys 0...S + i.
  static func causalMask(queries t: Int, after s: Int) -> Tensor {
    let width = s + t
    return Tensor(
      shape: [t, width],
      data: (0..<(t * width)).map { ($0 % width) > s + $0 / width ? -.infinity : 0 })
  }
}
// MARK: end

// MARK: book:swiglu
/// LLaMA's feed-forward block: down(silu(gate(x)) ⊙ up(x)), without biases. The gate
/// decides, per hidden unit, how much of the "up" value passes (Shazeer, 2020).
public final class SwiGLU: Layer {
  public var gate: Linear, up: Linear, down: Linear

  public init(width: Int, hidden: Int, using generator: inout SeededGenerator) {
    gate = Linear(width, hidden, bias: false, using: &generator)
    up = Linear(width, hidden, bias: false, using: &generator)
    down = Linear(hidden, width, bias: false, using: &generator)
  }

  /// [..., C] → [..., C] through [..., hidden].
  public func callAsFunction(_ x: Tensor) -> Tensor {
    down(gate(x).silu() * up(x))
  }
}
// MARK: end

// MARK: book:decoder-block
/// One LLaMA decoder block, pre-norm: x + attention(norm(x)), then x + ffn(norm(x)).
/// Between the two sits the point where MM-Interleaved inserts its Synchronizer
/// (`x + tanh(α)·MMFS(x, …)`); Chapter 8 passes it in as `between`.
public final class DecoderBlock: Layer {
  public var attentionNorm: RMSNorm, attention: CausalSelfAttention
  public var feedForwardNorm: RMSNorm, feedForward: SwiGLU

  public init(
    width: Int, heads: Int, hidden: Int, using generator: inout SeededGenerator
  ) {
    attentionNorm = RMSNorm(width)
    attention = CausalSelfAttention(width: width, heads: heads, using: &generator)
    feedForwardNorm = RMSNorm(width)
    feedForward = SwiGLU(width: width, hidden: hidden, using: &generator)
  }

  /// [B, T, C] → [B, T, C].
  public func callAsFunction(
    _ x: Tensor, cache: LayerCache? = nil, between: ((Tensor) -> Tensor)? = nil
  ) -> Tensor {
    var h = x + attention(attentionNorm(x), cache: cache)  // [B, T, C]
    if let between { h = between(h) }
    return h + feedForward(feedForwardNorm(h))  // [B, T, C]
  }
}
// MARK: end
