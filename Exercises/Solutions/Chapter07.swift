// Solutions to the exercises of Chapter 7.
import Platform

public enum Chapter07Solutions {
  /// ᾱ_t multiplies (1 − β) for steps 0 through t (inclusive: t = 0 is one step in).
  public static func noised(
    _ x0: [Float], noise: [Float], betas: [Float], t: Int
  )
    -> [Float]?
  {
    var alphaBar: Double = 1
    for s in 0...t { alphaBar *= 1 - Double(betas[s]) }
    let signal = Float(alphaBar.squareRoot()), spread = Float((1 - alphaBar).squareRoot())
    return zip(x0, noise).map { signal * $0 + spread * $1 }
  }

  /// x0 = (x − √(1 − ᾱ_now)·ε)/√ᾱ_now, then √ᾱ_before·x0 + √(1 − ᾱ_before)·ε.
  public static func ddimStep(
    _ x: [Float], epsilon: [Float], alphaBarNow: Float, alphaBarBefore: Float
  ) -> [Float]? {
    zip(x, epsilon).map { x, e in
      let clean = (x - (1 - alphaBarNow).squareRoot() * e) / alphaBarNow.squareRoot()
      return alphaBarBefore.squareRoot() * clean + (1 - alphaBarBefore).squareRoot() * e
    }
  }

  /// Sines of every frequency, then cosines.
  public static func timeCode(_ t: Int, width: Int) -> [Float]? {
    let half = width / 2
    let angles = (0..<half).map { Float(t) * powf(10_000, -Float($0) / Float(half)) }
    return angles.map { sinf($0) } + angles.map { cosf($0) }
  }

  /// Diagonal covariances commute, so the matrix square root is per axis:
  /// Σ (μa − μb)² + (σa − σb)².
  public static func diagonalFrechet(
    meanA: [Double], varianceA: [Double], meanB: [Double], varianceB: [Double]
  ) -> Double? {
    var total = 0.0
    for i in meanA.indices {
      let dm = meanA[i] - meanB[i]
      let ds = varianceA[i].squareRoot() - varianceB[i].squareRoot()
      total += dm * dm + ds * ds
    }
    return total
  }
}
