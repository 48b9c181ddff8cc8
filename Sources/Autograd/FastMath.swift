// MARK: book:fast-exp
/// exp and friends for Float, written so the compiler can vectorise them.
///
/// glibc's `expf` and, far more, `tanhf` are slow (`make bench` measures them), and a
/// neural network calls them billions of times. The classic recipe: write
/// x = n·ln2 + r with n an integer and |r| ≤ ln2/2, so eˣ = 2ⁿ · eʳ; build 2ⁿ directly
/// in the float's exponent bits; approximate eʳ − 1 by its Taylor series to r⁷ (error
/// < 2e-8 on that range).
/// No branches: the range checks are selects, so loops over arrays stay SIMD.
public enum FastMath {
  /// eʳ − 1 for |r| ≤ ln2/2, by Horner's rule.
  @inlinable @inline(__always)
  static func expm1Reduced(_ r: Float) -> Float {
    let p: Float = 1.0 / 5040
    var q = p * r + 1.0 / 720
    q = q * r + 1.0 / 120
    q = q * r + 1.0 / 24
    q = q * r + 1.0 / 6
    q = q * r + 0.5
    q = q * r + 1
    return q * r
  }

  /// Splits x into n·ln2 + r; returns 2ⁿ and r.
  @inlinable @inline(__always)
  static func reduce(_ x: Float) -> (twoToN: Float, r: Float) {
    // Adding 1.5·2²³ rounds x·log₂e to an integer in the low mantissa bits
    // (round-to-nearest, without a slow conversion instruction).
    let magic: Float = 12_582_912
    let shifted = x * 1.442_695_04 + magic
    let n = shifted - magic
    // ln 2 split in two (Cody–Waite) so n·ln2 is subtracted without rounding error.
    let r = (x - n * 0.693_359_375) - n * -2.121_944_4e-4
    let exponentBits = (shifted.bitPattern &- magic.bitPattern) &+ 127
    let twoToN = Float(bitPattern: exponentBits << 23)
    return (twoToN, r)
  }

  // MARK: end
  // MARK: book:fast-exp-functions
  /// eˣ with relative error about 2e-7; exactly 0 below −87.3 (so masked logits of
  /// −∞ give zero weight) and +∞ above 88.3 (where n would reach 128 and 2ⁿ
  /// overflow; the true eˣ overflows Float at 88.72 anyway).
  @inlinable @inline(__always)
  public static func exp(_ x: Float) -> Float {
    let clamped = Swift.min(Swift.max(x, -87.3), 88.3)
    let (twoToN, r) = reduce(clamped)
    let y = twoToN + twoToN * expm1Reduced(r)
    let tooSmall = x < -87.3, tooLarge = x > 88.3
    return tooSmall ? 0 : (tooLarge ? .infinity : y)
  }

  /// eˣ − 1 for x ≥ 0, accurate relative to the result even for tiny x.
  @inlinable @inline(__always)
  static func expm1NonNegative(_ x: Float) -> Float {
    let (twoToN, r) = reduce(Swift.min(x, 88.3))
    // 2ⁿ·eʳ − 1 = 2ⁿ·(eʳ − 1) + (2ⁿ − 1); for n = 0 the second term is exactly 0.
    return twoToN * expm1Reduced(r) + (twoToN - 1)
  }

  /// tanh x = (e²ˣ − 1)/(e²ˣ + 1), computed on |x| with expm1 so small arguments keep
  /// their relative precision. Beyond |x| = 20 the ratio is 1 in Float; clamping
  /// there keeps e finite.
  @inlinable @inline(__always)
  public static func tanh(_ x: Float) -> Float {
    let e = expm1NonNegative(Swift.min(2 * Swift.abs(x), 40))
    let magnitude = e / (e + 2)
    return x < 0 ? -magnitude : magnitude
  }

  /// The logistic function 1/(1 + e⁻ˣ).
  @inlinable @inline(__always)
  public static func sigmoid(_ x: Float) -> Float {
    1 / (1 + exp(-x))
  }
}
// MARK: end
