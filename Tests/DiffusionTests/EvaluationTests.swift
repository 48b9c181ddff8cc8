import Autograd
import Foundation
import Testing

@testable import Diffusion

@Suite("The Fréchet distance")
struct EvaluationTests {
  /// A random symmetric positive-definite d×d matrix, A Aᵀ + 0.1 I.
  func randomCovariance(_ d: Int, seed: UInt64) -> [Double] {
    var g = SeededGenerator(seed: seed)
    let a = (0..<(d * d)).map { _ in Double(g.nextNormal()) }
    var m = [Double](repeating: 0, count: d * d)
    for i in 0..<d {
      for j in 0..<d {
        for k in 0..<d { m[i * d + j] += a[i * d + k] * a[j * d + k] }
      }
      m[i * d + i] += 0.1
    }
    return m
  }

  @Test func eigenDecompositionRebuildsTheMatrix() {
    let d = 12
    let m = randomCovariance(d, seed: 1)
    let (values, vectors) = symmetricEigen(m, size: d)
    var rebuilt = [Double](repeating: 0, count: d * d)
    for k in 0..<d {
      for i in 0..<d {
        for j in 0..<d {
          rebuilt[i * d + j] += vectors[i * d + k] * values[k] * vectors[j * d + k]
        }
      }
    }
    let scale = m.map(abs).max()!
    #expect(zip(m, rebuilt).allSatisfy { abs($0 - $1) < 1e-10 * scale })
    // The eigenvectors are orthonormal.
    let vtv = multiply(
      (0..<(d * d)).map { vectors[($0 % d) * d + $0 / d] }, vectors, d)
    for i in 0..<d {
      for j in 0..<d { #expect(abs(vtv[i * d + j] - (i == j ? 1 : 0)) < 1e-10) }
    }
    let root = symmetricSquareRoot(m, size: d)
    let squared = multiply(root, root, d)
    #expect(zip(m, squared).allSatisfy { abs($0 - $1) < 1e-9 * scale })
  }

  @Test func oneDimensionalGaussians() {
    // For 1-D Gaussians the distance is (μ₁ − μ₂)² + (σ₁ − σ₂)².
    let a = FeatureStatistics(mean: [1.5], covariance: [4])
    let b = FeatureStatistics(mean: [-0.5], covariance: [0.25])
    #expect(abs(frechetDistance(a, b) - (4 + 1.5 * 1.5)) < 1e-12)
  }

  /// For 2×2 matrices √M has a closed form, so tr √M = √(tr M + 2 √det M); this checks
  /// the matrix part with covariances that do not commute (where tr(Σ₁^½ Σ₂^½) would be
  /// wrong).
  @Test func twoByTwoAgainstClosedForm() {
    let s1 = [2.0, 0.9, 0.9, 1.0], s2 = [0.5, -0.3, -0.3, 3.0]
    let a = FeatureStatistics(mean: [0, 1], covariance: s1)
    let b = FeatureStatistics(mean: [2, -1], covariance: s2)
    let root1 = symmetricSquareRoot(s1, size: 2)
    let m = multiply(multiply(root1, s2, 2), root1, 2)
    let traceM = m[0] + m[3], determinantM = m[0] * m[3] - m[1] * m[2]
    let traceRoot = (traceM + 2 * determinantM.squareRoot()).squareRoot()
    let expected = 8 + (3 + 3.5) - 2 * traceRoot
    #expect(abs(frechetDistance(a, b) - expected) < 1e-10)
    // The tempting shortcut tr(Σ₁^½ Σ₂^½) gives a different number here.
    let shortcut = multiply(root1, symmetricSquareRoot(s2, size: 2), 2)
    #expect(abs(8 + 6.5 - 2 * (shortcut[0] + shortcut[3]) - expected) > 0.05)
  }

  @Test func zeroForEqualCloudsAndSymmetric() {
    let d = 8
    let a = FeatureStatistics(
      mean: (0..<d).map { Double($0) }, covariance: randomCovariance(d, seed: 2))
    let b = FeatureStatistics(
      mean: [Double](repeating: 0, count: d),
      covariance: randomCovariance(d, seed: 3))
    #expect(abs(frechetDistance(a, a)) < 1e-8)
    #expect(abs(frechetDistance(a, b) - frechetDistance(b, a)) < 1e-8)
    #expect(frechetDistance(a, b) > 1)
  }

  @Test func statisticsOfSamples() {
    // Samples of a known Gaussian: mean and covariance (N − 1) come back, and two
    // independent samples of the same Gaussian are close while a shifted one is not.
    var g = SeededGenerator(seed: 4)
    func draw(_ n: Int, shift: Float) -> [[Float]] {
      (0..<n).map { _ in
        let z0 = g.nextNormal(), z1 = g.nextNormal()
        return [z0 + shift, 0.5 * z0 + z1]  // covariance [[1, 0.5], [0.5, 1.25]]
      }
    }
    let one = FeatureStatistics(draw(20_000, shift: 0))
    #expect(abs(one.mean[0]) < 0.03 && abs(one.mean[1]) < 0.03)
    #expect(abs(one.covariance[1] - 0.5) < 0.03 && abs(one.covariance[3] - 1.25) < 0.04)
    #expect(one.covariance[1] == one.covariance[2])
    let two = FeatureStatistics(draw(20_000, shift: 0))
    let shifted = FeatureStatistics(draw(20_000, shift: 1))
    #expect(frechetDistance(one, two) < 0.01)
    #expect(abs(frechetDistance(one, shifted) - 1) < 0.06)
    // Exact on a tiny set: [0, 0] and [2, 4] → mean [1, 2], covariance [[2, 4], [4, 8]].
    let tiny = FeatureStatistics([[0, 0], [2, 4]])
    #expect(tiny.mean == [1, 2] && tiny.covariance == [2, 4, 4, 8])
  }
}
