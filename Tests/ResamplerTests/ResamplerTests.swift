import Autograd
import Layers
import Testing

@testable import Resampler

@Suite("Perceiver Resampler")
struct ResamplerTests {
  @Test func fixedNumberOfTokens() {
    var g = SeededGenerator(seed: 1)
    for k in [8, 16, 32] {
      let resampler = PerceiverResampler(tokens: k, width: 16, using: &g)
      let media = Tensor.normal([3, 64, 16], using: &g)
      #expect(resampler(media).shape == [3, k, 16])
    }
  }

  /// A one-layer resampler of width 8 with every parameter drawn from ±0.6 (away from
  /// initialisation's zeros and ones), for gradient checks.
  func randomisedResampler(
    tokens: Int, seed: UInt64, using h: inout SeededGenerator
  ) -> PerceiverResampler {
    var g = SeededGenerator(seed: seed)
    let resampler = PerceiverResampler(
      tokens: tokens, width: 8, layers: 1, heads: 2, using: &g)
    for p in resampler.parameters {
      p.assign((0..<p.count).map { _ in h.uniform(-0.6, 0.6) })
    }
    return resampler
  }

  @Test func gradientCheck() {
    var h = SeededGenerator(seed: 3)
    let resampler = randomisedResampler(tokens: 3, seed: 2, using: &h)
    let media = Tensor.normal([2, 5, 8], using: &h, requiresGrad: true)
    let report = checkGradients(at: [media] + resampler.parameters, using: &h) {
      resampler($0[0])
    }
    #expect(report.passed, "\(report)")
  }

  @Test func differentImagesGiveDifferentTokens() {
    var g = SeededGenerator(seed: 4)
    let resampler = PerceiverResampler(tokens: 4, width: 8, using: &g)
    let media = Tensor.normal([2, 6, 8], using: &g)
    let out = resampler(media)
    #expect(Array(out.data[0..<32]) != Array(out.data[32..<64]))
  }

  /// Padding hidden by the media mask changes nothing: a context of 3 tokens padded to 5
  /// with large junk resamples exactly as the 3 alone. (Shown to fail when the mask is
  /// not passed to the layers: the junk then moves every latent.)
  @Test func maskedPaddingIsInvisible() {
    var g = SeededGenerator(seed: 5)
    let resampler = PerceiverResampler(tokens: 2, width: 8, layers: 2, using: &g)
    let real = Tensor.normal([1, 3, 8], using: &g)
    let junk = Tensor.normal([1, 2, 8], std: 50, using: &g)
    let padded = Tensor.concatenate([real, junk], axis: 1)  // [1, 5, 8]
    let alone = resampler(real)
    let masked = resampler(padded, mediaMask: [true, true, true, false, false])
    let maxError = zip(alone.data, masked.data).map { Swift.abs($0 - $1) }.max()!
    #expect(maxError < 1e-5)
    let unmasked = resampler(padded)
    #expect(zip(alone.data, unmasked.data).map { Swift.abs($0 - $1) }.max()! > 1e-2)
  }

  @Test func gradientCheckWithAMask() {
    var h = SeededGenerator(seed: 7)
    let resampler = randomisedResampler(tokens: 2, seed: 6, using: &h)
    let media = Tensor.normal([2, 4, 8], using: &h, requiresGrad: true)
    let mask = [true, true, false, false, true, true, true, false]
    let report = checkGradients(at: [media] + resampler.parameters, using: &h) {
      resampler($0[0], mediaMask: mask)
    }
    #expect(report.passed, "\(report)")
    // Hidden media get no gradient at all.
    media.zeroGrad()
    resampler(media, mediaMask: mask).sum().backward()
    #expect(media.gradValues![2 * 8..<4 * 8].allSatisfy { $0 == 0 })
  }
}
