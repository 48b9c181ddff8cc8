import Autograd

// Judging generated images: the Fréchet distance between two clouds of feature
// vectors (Heusel et al., 2017, "FID" when the features are Inception's). Each cloud
// is summarised by its mean and covariance, as if it were Gaussian.

// MARK: book:frechet
/// The mean and covariance of a set of feature vectors.
public struct FeatureStatistics: Sendable {
  public let mean: [Double]  // [D]
  public let covariance: [Double]  // [D, D], row-major
  public var width: Int { mean.count }

  /// Statistics of `features` (N vectors of D numbers; N ≥ 2): the covariance divides
  /// by N − 1.
  public init(_ features: [[Float]]) {
    require(
      features.count >= 2, "FeatureStatistics",
      "need at least two vectors, got \(features.count)")
    let n = features.count, d = features[0].count
    var mean = [Double](repeating: 0, count: d)
    for vector in features {
      require(
        vector.count == d, "FeatureStatistics",
        "vectors of different widths (\(d) and \(vector.count))")
      for i in 0..<d { mean[i] += Double(vector[i]) / Double(n) }
    }
    var covariance = [Double](repeating: 0, count: d * d)
    for vector in features {
      let centred = (0..<d).map { Double(vector[$0]) - mean[$0] }
      for i in 0..<d {
        for j in i..<d { covariance[i * d + j] += centred[i] * centred[j] }
      }
    }
    for i in 0..<d {
      for j in i..<d {
        covariance[i * d + j] /= Double(n - 1)
        covariance[j * d + i] = covariance[i * d + j]
      }
    }
    self.init(mean: mean, covariance: covariance)
  }

  public init(mean: [Double], covariance: [Double]) {
    require(
      covariance.count == mean.count * mean.count,
      "FeatureStatistics", "covariance must be D×D for a mean of D = \(mean.count)")
    (self.mean, self.covariance) = (mean, covariance)
  }
}

// MARK: end
// MARK: book:frechet-distance
/// The Fréchet (2-Wasserstein) distance between Gaussians with these statistics,
/// squared: |μ₁ − μ₂|² + tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½). Zero for equal clouds; it
/// grows when the means move apart *and* when the spreads differ, so a generator
/// that draws one perfect digit over and over scores badly.
public func frechetDistance(_ a: FeatureStatistics, _ b: FeatureStatistics) -> Double {
  require(a.width == b.width, "frechetDistance", "widths \(a.width) and \(b.width)")
  let d = a.width
  var distance = zip(a.mean, b.mean).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
  for i in 0..<d { distance += a.covariance[i * d + i] + b.covariance[i * d + i] }
  // tr((Σ₁^½ Σ₂ Σ₁^½)^½): the product is symmetric, so its square root is too.
  let rootA = symmetricSquareRoot(a.covariance, size: d)
  let middle = multiply(multiply(rootA, b.covariance, d), rootA, d)
  let eigenvalues = symmetricEigen(middle, size: d).values
  distance -= 2 * eigenvalues.map { max($0, 0).squareRoot() }.reduce(0, +)
  return distance
}
// MARK: end

/// The square root of a symmetric positive semi-definite matrix: V √Λ Vᵀ, with
/// eigenvalues that rounding pushed below zero taken as zero.
public func symmetricSquareRoot(_ m: [Double], size d: Int) -> [Double] {
  let (values, vectors) = symmetricEigen(m, size: d)
  var root = [Double](repeating: 0, count: d * d)
  for k in 0..<d {
    let s = max(values[k], 0).squareRoot()
    for i in 0..<d {
      for j in 0..<d { root[i * d + j] += vectors[i * d + k] * s * vectors[j * d + k] }
    }
  }
  return root
}

/// Eigenvalues (clamped at zero from below only by callers) and eigenvectors
/// (columns of `vectors`, row-major) of a symmetric matrix, by cyclic Jacobi rotations:
/// each rotation zeroes one off-diagonal pair; sweeps repeat until the off-diagonal
/// part is negligible. Slow (O(d³) per sweep) but simple and accurate for d ≲ 100.
public func symmetricEigen(
  _ m: [Double], size d: Int
) -> (values: [Double], vectors: [Double]) {
  require(m.count == d * d, "symmetricEigen", "\(m.count) numbers is not \(d)×\(d)")
  var a = m
  var v = [Double](repeating: 0, count: d * d)
  for i in 0..<d { v[i * d + i] = 1 }
  let scale = max(a.map(abs).max() ?? 0, .leastNormalMagnitude)
  for _ in 0..<100 {
    var offDiagonal = 0.0
    for i in 0..<d {
      for j in 0..<d where i != j { offDiagonal += a[i * d + j] * a[i * d + j] }
    }
    if offDiagonal.squareRoot() <= 1e-14 * scale * Double(d) { break }
    for p in 0..<d {
      for q in (p + 1)..<d where a[p * d + q] != 0 {
        // The angle that zeroes a[p][q] (Golub and Van Loan, §8.5).
        let theta = (a[q * d + q] - a[p * d + p]) / (2 * a[p * d + q])
        let t =
          (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
        let c = 1 / (t * t + 1).squareRoot(), s = t * c
        for k in 0..<d {  // columns p and q
          let akp = a[k * d + p], akq = a[k * d + q]
          a[k * d + p] = c * akp - s * akq
          a[k * d + q] = s * akp + c * akq
        }
        for k in 0..<d {  // rows p and q
          let apk = a[p * d + k], aqk = a[q * d + k]
          a[p * d + k] = c * apk - s * aqk
          a[q * d + k] = s * apk + c * aqk
        }
        for k in 0..<d {
          let vkp = v[k * d + p], vkq = v[k * d + q]
          v[k * d + p] = c * vkp - s * vkq
          v[k * d + q] = s * vkp + c * vkq
        }
      }
    }
  }
  return ((0..<d).map { a[$0 * d + $0] }, v)
}

/// The product of two d×d row-major matrices.
func multiply(_ x: [Double], _ y: [Double], _ d: Int) -> [Double] {
  var out = [Double](repeating: 0, count: d * d)
  for i in 0..<d {
    for k in 0..<d {
      let xik = x[i * d + k]
      for j in 0..<d { out[i * d + j] += xik * y[k * d + j] }
    }
  }
  return out
}
