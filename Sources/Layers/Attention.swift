import Autograd

/// Multi-head attention (Vaswani et al., 2017): softmax(Q·Kᵀ/√d + mask)·V in h heads
/// of width d = C/h, then an output projection.
///
/// Self-attention passes one sequence; cross-attention passes the queries' sequence and
/// another one for keys and values (the U-Net attending to text, for instance).
public final class MultiHeadAttention: Layer {
  public var query: Linear, key: Linear, value: Linear, output: Linear
  public let heads: Int

  public init(
    width: Int, heads: Int, contextWidth: Int? = nil,
    using generator: inout SeededGenerator
  ) {
    require(
      width % heads == 0,
      "MultiHeadAttention", "width \(width) does not split into \(heads) heads")
    let context = contextWidth ?? width
    query = Linear(width, width, using: &generator)
    key = Linear(context, width, using: &generator)
    value = Linear(context, width, using: &generator)
    output = Linear(width, width, using: &generator)
    self.heads = heads
  }

  // MARK: book:attention
  /// `x`: [B, T, C] queries; `context`: [B, S, C'] keys and values (default: `x`);
  /// `mask`: added to the scores, broadcast to [B, h, T, S] (0 to keep, −∞ to hide).
  public func callAsFunction(
    _ x: Tensor, context: Tensor? = nil, mask: Tensor? = nil
  ) -> Tensor {
    let source = context ?? x
    let q = splitHeads(query(x))  // [B, h, T, d]
    let k = splitHeads(key(source))  // [B, h, S, d]
    let v = splitHeads(value(source))  // [B, h, S, d]
    let d = Float(q.shape[3])
    var scores = matmul(q, k, transposingB: true) * (1 / d.squareRoot())  // [B, h, T, S]
    if let mask { scores = scores + mask }
    let mixed = matmul(scores.softmax(), v)  // [B, h, T, d]
    return output(joinHeads(mixed))  // [B, T, C]
  }
  // MARK: end

  /// The attention weights softmax(Q·Kᵀ/√d + mask), [B, h, T, S], for looking at what
  /// each position attends to (computed again, without gradients).
  public func weights(
    _ x: Tensor, context: Tensor? = nil, mask: Tensor? = nil
  ) -> Tensor {
    withoutGradient {
      let source = context ?? x
      let q = splitHeads(query(x)), k = splitHeads(key(source))
      var scores = matmul(q, k, transposingB: true) * (1 / Float(q.shape[3]).squareRoot())
      if let mask { scores = scores + mask }
      return scores.softmax()
    }
  }

  /// [B, T, C] → [B, h, T, d].
  func splitHeads(_ x: Tensor) -> Tensor {
    let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
    return x.reshaped([b, t, heads, c / heads]).permuted([0, 2, 1, 3])
  }

  /// [B, h, T, d] → [B, T, C].
  func joinHeads(_ x: Tensor) -> Tensor {
    let (b, h, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    return x.permuted([0, 2, 1, 3]).reshaped([b, t, h * d])
  }
}

extension Tensor {
  /// The additive causal mask [T, T]: 0 on and below the diagonal, −∞ above, so a
  /// position attends only to itself and earlier positions.
  public static func causalMask(_ length: Int) -> Tensor {
    Tensor.zeros([length, length]).maskedFill(Mask.causal(length), with: -.infinity)
  }
}
