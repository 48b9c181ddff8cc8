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

  @Test func gradientCheck() {
    var g = SeededGenerator(seed: 2)
    let resampler = PerceiverResampler(
      tokens: 3, width: 8, layers: 1, heads: 2, using: &g)
    var h = SeededGenerator(seed: 3)
    for p in resampler.parameters {
      p.assign((0..<p.count).map { _ in h.uniform(-0.6, 0.6) })
    }
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
}
