import Autograd
import Layers
import Testing

@testable import Synchronizer

import Platform

@Suite("Deformable attention")
struct DeformableAttentionTests {
  func layer(levels: Int, seed: UInt64) -> (DeformableAttention, Tensor, Tensor, [Tensor])
  {
    var g = SeededGenerator(seed: seed)
    let layer = DeformableAttention(
      width: 4, heads: 2, levels: levels, points: 2, using: &g)
    for parameter in layer.parameters {
      parameter.assign((0..<parameter.count).map { _ in g.uniform(-0.5, 0.5) })
    }
    let queries = Tensor.normal([1, 2, 4], using: &g, requiresGrad: true)
    let reference = Tensor.uniform(
      [1, 2, 2], low: 0.2, high: 0.8, using: &g,
      requiresGrad: true)
    // Maps that are not square, so that a mix-up of width and height shows.
    let maps = [(4, 6), (2, 3)].prefix(levels).map {
      Tensor.normal([1, 4, $0.0, $0.1], using: &g, requiresGrad: true)
    }
    return (layer, queries, reference, maps)
  }

  @Test func singleAndMultiScaleMatchTheLoops() {
    for levels in [1, 2] {
      for seed in 1...3 {
        let (m, q, r, maps) = layer(levels: levels, seed: UInt64(seed))
        let fast = m(q, reference: r, maps: maps)
        let slow = deformableAttentionByLoops(m, queries: q, reference: r, maps: maps)
        let worst = zip(fast.data, slow).map { Swift.abs(Double($0) - $1) }.max()!
        #expect(worst < 1e-5, "levels \(levels), seed \(seed): \(worst)")
      }
    }
  }

  @Test func startsWithAUniformRingOfPoints() {
    var g = SeededGenerator(seed: 1)
    let m = DeformableAttention(width: 8, heads: 4, levels: 1, points: 2, using: &g)
    #expect(m.attentionLogits.weight.data.allSatisfy { $0 == 0 })
    // Head 0 looks right (+x), head 1 down (+y): points at 1 and 2 pixels.
    #expect(Array(m.samplingOffsets.bias!.data[0..<4]) == [1, 0, 2, 0])
    // On a constant map, far from the border, every point sees the same value.
    let map = Tensor.ones([1, 8, 16, 16])
    let q = Tensor.normal([1, 1, 8], using: &g)
    let y = m(q, reference: Tensor(shape: [1, 1, 2], data: [0.5, 0.5]), maps: [map])
    let expected = m.outputProjection(m.valueProjection(Tensor.ones([1, 8])))
    #expect(zip(y.data, expected.data).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
  }

  @Test func gradients() {
    // As for MMFS: a seed whose sampling points all lie clear of pixel boundaries.
    func clear(
      _ m: DeformableAttention, _ q: Tensor, _ r: Tensor, _ maps: [Tensor]
    ) -> Bool {
      let offsets = m.samplingOffsets(q).data
      let per = m.heads * m.levels * m.points * 2
      for (k, offset) in offsets.enumerated() {
        let token = k / per, level = (k % per) / (m.points * 2) % m.levels
        let size = Double(maps[level].shape[k % 2 == 0 ? 3 : 2])  // x: width, y: height
        let pixel =
          (Double(r.data[token * 2 + k % 2]) + Double(offset) / size) * size - 0.5
        let fraction = pixel - pixel.rounded(.down)
        if fraction < 0.05 || fraction > 0.95 { return false }
      }
      return true
    }
    guard
      let seed = (1...400).first(where: {
        let (m, q, r, maps) = layer(levels: 2, seed: UInt64($0))
        return clear(m, q, r, maps)
      })
    else {
      Issue.record("no seed with sampling points clear of pixel boundaries")
      return
    }
    let (m, q, r, maps) = layer(levels: 2, seed: UInt64(seed))
    var g = SeededGenerator(seed: 5)
    let report = checkGradients(
      at: [q, r] + maps + m.parameters, epsilon: 1e-3, using: &g
    ) {
      m($0[0], reference: $0[1], maps: [$0[2], $0[3]])
    }
    #expect(report.passed, "seed \(seed): \(report)")
  }
}
