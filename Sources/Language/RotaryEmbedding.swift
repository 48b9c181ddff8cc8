import Autograd
import Platform

// MARK: book:rope
/// Rotary position embedding (Su et al., 2021), as LLaMA applies it to queries and keys.
///
/// Channel i of a head (i < d/2) is paired with channel i + d/2, and the pair is turned
/// by the angle p·θ_i for a token at position p, with θ_i = base^(−2i/d): fast turns in
/// the first pairs, slow ones in the last. A dot product of two turned vectors then
/// depends on their positions only through p − p′.
public struct RotaryEmbedding: Sendable {
  public let headWidth: Int
  public let base: Float
  /// θ_i for i in 0..<d/2.
  public let frequencies: [Float]

  public init(headWidth: Int, base: Float = 10_000) {
    require(headWidth % 2 == 0, "RoPE", "head width \(headWidth) must be even")
    (self.headWidth, self.base) = (headWidth, base)
    frequencies = (0..<(headWidth / 2)).map {
      powf(base, -2 * Float($0) / Float(headWidth))
    }
  }

  /// Turns `x` [B, h, T, d]: token t sits at position `start + t`.
  public func callAsFunction(_ x: Tensor, start: Int = 0) -> Tensor {
    let (t, d) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
    require(d == headWidth, "RoPE", "expected head width \(headWidth), got \(d)")
    let half = d / 2
    let (cosines, sines) = tables(length: t, start: start)  // [T, d/2] each
    let rows = x.count / d  // B·h·T rows of width d
    let output = Self.rotate(
      x.data, rows: rows, length: t, half: half,
      cosines: cosines, sines: sines, inverse: false)
    return Tensor(shape: x.shape, data: output, inputs: [x], operation: "rope") { g in
      // The rotation is orthogonal: its gradient turns back by the same angle.
      x.accumulateGrad(
        Self.rotate(
          g, rows: rows, length: t, half: half,
          cosines: cosines, sines: sines, inverse: true))
    }
  }

  // MARK: end
  // MARK: book:rope-tables
  /// cos and sin of every (position, pair) for positions start..<start + t: [T, d/2].
  func tables(length t: Int, start: Int) -> (cosines: [Float], sines: [Float]) {
    let half = headWidth / 2
    var cosines = [Float](repeating: 0, count: t * half), sines = cosines
    for position in 0..<t {
      for (i, theta) in frequencies.enumerated() {
        let angle = Float(start + position) * theta
        cosines[position * half + i] = cosf(angle)
        sines[position * half + i] = sinf(angle)
      }
    }
    return (cosines, sines)
  }

  /// (a, b) → (a·cos − b·sin, b·cos + a·sin) per pair; `inverse` turns the other way.
  static func rotate(
    _ values: [Float], rows: Int, length t: Int, half: Int, cosines: [Float],
    sines: [Float], inverse: Bool
  ) -> [Float] {
    let sign: Float = inverse ? -1 : 1
    return uninitializedArray(values.count) { out in
      values.withUnsafeBufferPointer { v in
        for row in 0..<rows {
          let base = row * 2 * half, table = (row % t) * half
          for i in 0..<half {
            let (a, b) = (v[base + i], v[base + half + i])
            let (c, s) = (cosines[table + i], sign * sines[table + i])
            out[base + i] = a * c - b * s
            out[base + half + i] = b * c + a * s
          }
        }
      }
    }
  }
}
// MARK: end
