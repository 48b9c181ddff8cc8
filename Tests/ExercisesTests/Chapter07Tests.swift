import Exercises07
import Platform
import Solutions
import Testing

/// The solutions pass their checkers, and typical wrong answers do not.
@Suite("Chapter 7 exercises")
struct Chapter07Exercises {
  @Test func noised() {
    #expect(Chapter07Checks.noised(Chapter07Solutions.noised).passed)
    #expect(!Chapter07Checks.noised { _, _, _, _ in nil }.passed)
    // Off by one: ᾱ_t taken as the product up to t − 1.
    #expect(
      !Chapter07Checks.noised { x0, noise, betas, t in
        t == 0 ? x0 : Chapter07Solutions.noised(x0, noise: noise, betas: betas, t: t - 1)
      }.passed)
    // Variance used where the standard deviation belongs.
    #expect(
      !Chapter07Checks.noised { x0, noise, betas, t in
        let alphaBar = betas[0...t].reduce(Float(1)) { $0 * (1 - $1) }
        return zip(x0, noise).map { alphaBar * $0 + (1 - alphaBar) * $1 }
      }.passed)
  }

  @Test func ddimStep() {
    #expect(Chapter07Checks.ddimStep(Chapter07Solutions.ddimStep).passed)
    #expect(!Chapter07Checks.ddimStep { _, _, _, _ in nil }.passed)
    // The two noise levels swapped.
    #expect(
      !Chapter07Checks.ddimStep { x, epsilon, now, before in
        Chapter07Solutions.ddimStep(
          x, epsilon: epsilon, alphaBarNow: before,
          alphaBarBefore: now)
      }.passed)
    // Jumping to the clean image every time (forgetting the noise direction).
    #expect(
      !Chapter07Checks.ddimStep { x, epsilon, now, _ in
        Chapter07Solutions.ddimStep(
          x, epsilon: epsilon, alphaBarNow: now,
          alphaBarBefore: 1)
      }.passed)
  }

  @Test func timeCode() {
    #expect(Chapter07Checks.timeCode(Chapter07Solutions.timeCode).passed)
    #expect(!Chapter07Checks.timeCode { _, _ in nil }.passed)
    // Sines and cosines interleaved instead of in two halves.
    #expect(
      !Chapter07Checks.timeCode { t, width in
        let code = Chapter07Solutions.timeCode(t, width: width)!
        let half = width / 2
        return (0..<half).flatMap { [code[$0], code[half + $0]] }
      }.passed)
    // Frequencies 10000^(−i/d) instead of 10000^(−i/(d/2)).
    #expect(
      !Chapter07Checks.timeCode { t, width in
        let angles = (0..<(width / 2)).map {
          Float(t) * powf(10_000, -Float($0) / Float(width))
        }
        return angles.map { sinf($0) } + angles.map { cosf($0) }
      }.passed)
  }

  @Test func diagonalFrechet() {
    #expect(Chapter07Checks.diagonalFrechet(Chapter07Solutions.diagonalFrechet).passed)
    #expect(!Chapter07Checks.diagonalFrechet { _, _, _, _ in nil }.passed)
    // Variances compared instead of standard deviations.
    #expect(
      !Chapter07Checks.diagonalFrechet { meanA, varianceA, meanB, varianceB in
        meanA.indices.map {
          let dm = meanA[$0] - meanB[$0], dv = varianceA[$0] - varianceB[$0]
          return dm * dm + dv * dv
        }.reduce(0, +)
      }.passed)
  }
}
