import Autograd
import Testing

@testable import Synchronizer

import Platform

/// The definition (the library's loop version, `bilinearSampleByLoops`) on one map
/// stored [H, W, C]: the oracle.
func referenceSample(
  _ values: [Float], height: Int, width: Int, channels: Int, x: Float, y: Float
) -> [Double] {
  bilinearSampleByLoops(
    height: height, width: width, channels: channels, x: Double(x), y: Double(y)
  ) { row, column in
    (0..<channels).map { Double(values[(row * width + column) * channels + $0]) }
  }
}

@Suite("Bilinear sampling")
struct BilinearSamplingTests {
  /// A 2×2 map [[1, 2], [3, 4]] with one channel.
  let map = Tensor(shape: [1, 2, 2, 1], data: [1, 2, 3, 4])

  func sample(_ points: [(Float, Float)]) -> [Float] {
    let locations = Tensor(
      shape: [1, points.count, 2], data: points.flatMap { [$0.0, $0.1] })
    return bilinearSample(map, at: locations).data
  }

  @Test func handComputedValues() {
    // (0.25, 0.25) is the centre of the top-left pixel: exactly its value.
    // (0.5, 0.5) is the middle of the four: their mean 2.5.
    // (0.5, 0.25): halfway between 1 and 2 on the top row.
    #expect(
      sample([(0.25, 0.25), (0.5, 0.5), (0.5, 0.25), (0.75, 0.75)]) == [1, 2.5, 1.5, 4])
  }

  @Test func bordersFadeToZero() {
    // At the image corner (0, 0) the sample point is half a pixel outside both edges:
    // only the top-left pixel is inside, with weight ¼.
    #expect(sample([(0, 0), (1, 1)]) == [0.25, 1])
    // x = −0.1 → px = −0.7: 30% of column 0, the rest from outside (zero).
    let left = sample([(-0.1, 0.5)])[0]
    #expect(Swift.abs(left - 0.3 * (0.5 * 1 + 0.5 * 3)) < 1e-6)
    // A full pixel or more outside: nothing.
    #expect(
      sample([(-0.3, 0.5), (1.3, 0.5), (0.5, -0.6), (5, 5), (-40, 0.5)]) == [
        0, 0, 0, 0, 0,
      ])
  }

  @Test func matchesTheReferenceOnRandomMaps() {
    var g = SeededGenerator(seed: 8)
    let (groups, h, w, c, q) = (3, 5, 7, 4, 20)
    let values = Tensor.normal([groups, h, w, c], using: &g)
    let locations = Tensor.uniform([groups, q, 2], low: -0.2, high: 1.2, using: &g)
    let fast = bilinearSample(values, at: locations)
    for group in 0..<groups {
      let map = Array(values.data[(group * h * w * c)..<((group + 1) * h * w * c)])
      for point in 0..<q {
        let i = (group * q + point) * 2
        let expected = referenceSample(
          map, height: h, width: w, channels: c,
          x: locations.data[i], y: locations.data[i + 1])
        for channel in 0..<c {
          let got = fast.data[(group * q + point) * c + channel]
          #expect(Swift.abs(Double(got) - expected[channel]) < 1e-5)
        }
      }
    }
  }

  @Test func gradientsWithRespectToMapsAndLocations() {
    var g = SeededGenerator(seed: 9)
    let (h, w) = (4, 5)
    let values = Tensor.normal([2, h, w, 3], using: &g, requiresGrad: true)
    // Locations whose pixel coordinates have fractional parts in [0.2, 0.8]: the
    // interpolation has kinks at whole pixels, where finite differences would straddle
    // two linear pieces. Some points lie partly outside the map.
    var coordinates: [Float] = []
    for k in 0..<12 {
      let px = Float(k % 6) - 1 + g.uniform(0.2, 0.8),
        py = Float(k / 2 % 5) - 1 + g.uniform(0.2, 0.8)
      coordinates += [(px + 0.5) / Float(w), (py + 0.5) / Float(h)]
    }
    let locations = Tensor(shape: [2, 6, 2], data: coordinates, requiresGrad: true)
    // ε = 1e-3 in normalised units moves a point by at most 0.005 pixels: well inside
    // one linear piece.
    let report = checkGradients(at: [values, locations], epsilon: 1e-3, using: &g) {
      bilinearSample($0[0], at: $0[1])
    }
    #expect(report.passed, "\(report)")
  }

  @Test func wrongLocationGradientIsCaught() {
    // The check must notice a location gradient that forgets the factor W = 4.
    var g = SeededGenerator(seed: 10)
    let values = Tensor.normal([1, 4, 4, 2], using: &g)
    let locations = Tensor(
      shape: [1, 2, 2], data: [0.41, 0.58, 0.7, 0.33],
      requiresGrad: true)
    let report = checkGradients(at: [locations], epsilon: 1e-3, using: &g) { inputs in
      let location = inputs[0]
      let copy = Tensor(shape: location.shape, data: location.data, requiresGrad: true)
      let sampled = bilinearSample(values, at: copy)
      return Tensor(
        shape: sampled.shape, data: sampled.data, inputs: [location],
        operation: "missing W"
      ) { gradient in
        sampled.backward(gradient: gradient)
        location.accumulateGrad(copy.gradValues!.map { $0 / 4 })
      }
    }
    #expect(!report.passed)
  }
}
