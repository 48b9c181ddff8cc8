import Autograd
import Layers
import Platform

// The slow versions: bilinear sampling, deformable attention and the Multi-Modal
// Feature Synchronizer written as their definitions, one loop per index, one token and
// one point at a time, in Double. They are the clearest statement of each idea, the
// book shows them before the tensor versions, and the tests hold the tensor versions
// to them. They return plain arrays, row-major in the tensor version's output shape.

// MARK: book:bilinear-loops
/// The value of a map at the normalised point (x, y): the four pixels around it, each
/// weighted by how near the point is, a pixel outside the map counting as zero.
/// `pixel(row, column)` reads one pixel's `channels` values.
public func bilinearSampleByLoops(
  height: Int, width: Int, channels: Int, x: Double, y: Double,
  pixel: (_ row: Int, _ column: Int) -> [Double]
) -> [Double] {
  // Pixel centres sit at half-integers: pixel (0, 0) covers [0, 1)² in pixel units.
  let px = x * Double(width) - 0.5, py = y * Double(height) - 0.5
  let left = Int(px.rounded(.down)), top = Int(py.rounded(.down))
  let (right, below) = (px - Double(left), py - Double(top))  // how far past them
  var sample = [Double](repeating: 0, count: channels)
  for (row, rowWeight) in [(top, 1 - below), (top + 1, below)] {
    for (column, columnWeight) in [(left, 1 - right), (left + 1, right)] {
      guard (0..<height).contains(row), (0..<width).contains(column) else { continue }
      let value = pixel(row, column)
      for k in 0..<channels { sample[k] += rowWeight * columnWeight * value[k] }
    }
  }
  return sample
}
// MARK: end

// MARK: book:deformable-loops
/// Deformable attention for one query at a time: per head, P points per level around
/// the reference point, their values mixed with one softmax over all L·P points.
/// `queries` [B, T, C], `reference` [B, T, 2], `maps` L × [B, C, H, W] → [B, T, C].
public func deformableAttentionByLoops(
  _ layer: DeformableAttention, queries: Tensor, reference: Tensor, maps: [Tensor]
) -> [Double] {
  let (b, t, c) = (queries.shape[0], queries.shape[1], queries.shape[2])
  let (h, l, p, d) = (layer.heads, layer.levels, layer.points, c / layer.heads)
  var output: [Double] = []
  for batch in 0..<b {
    for token in 0..<t {
      let query = (0..<c).map { Double(queries[batch, token, $0]) }
      let offsets = linearByLoops(layer.samplingOffsets, query)  // h·L·P·2, in pixels
      let logits = linearByLoops(layer.attentionLogits, query)  // h·L·P
      var mixed = [Double](repeating: 0, count: c)  // h heads of d channels
      for head in 0..<h {
        let weights = softmaxByLoops(Array(logits[(head * l * p)..<((head + 1) * l * p)]))
        for level in 0..<l {
          let map = maps[level]
          let (height, width) = (map.shape[2], map.shape[3])
          for point in 0..<p {
            let o = ((head * l + level) * p + point) * 2
            let x = Double(reference[batch, token, 0]) + offsets[o] / Double(width)
            let y = Double(reference[batch, token, 1]) + offsets[o + 1] / Double(height)
            let sample = bilinearSampleByLoops(
              height: height, width: width, channels: d, x: x, y: y
            ) { row, column in
              let feature = (0..<c).map { Double(map[batch, $0, row, column]) }
              let value = linearByLoops(layer.valueProjection, feature)
              return Array(value[(head * d)..<((head + 1) * d)])  // this head's part
            }
            let weight = weights[level * p + point]
            for k in 0..<d { mixed[head * d + k] += weight * sample[k] }
          }
        }
      }
      output += linearByLoops(layer.outputProjection, mixed)
    }
  }
  return output
}
// MARK: end

// MARK: book:mmfs-loops
/// The Synchronizer for one token at a time, as the authors' code computes it. Each
/// image j the token may see gets its own query (the token's plus the embedding of j's
/// recency), its own P offsets per head (shared by the L levels) and L·(P + 1) logits
/// per head, the last of each level being the null slot with the fixed logit −log(N·L)
/// and value zero. One softmax per head spans images × levels × slots.
/// `x` [B, T, Cq], `reference` [B, T, 2], `maps` L × [B, N, C, H, W], `visible`
/// [B, T, N] → [B, T, Cout].
public func synchronizerByLoops(
  _ layer: MultiModalFeatureSynchronizer, x: Tensor, reference: Tensor, maps: [Tensor],
  visible: [Bool]
) -> [Double] {
  let configuration = layer.configuration
  let (b, t, n) = (x.shape[0], x.shape[1], maps[0].shape[1])
  let (h, l, p) = (configuration.heads, configuration.levels, configuration.points)
  let d = configuration.attentionWidth / h
  let hidden = -10_000.0  // the logit of an image the token may not see (upstream's)
  var output: [Double] = []
  for batch in 0..<b {
    let rows = Array(visible[(batch * t * n)..<((batch + 1) * t * n)])
    let recency = recencyIndices(rows, images: n)  // 1 = the latest image seen
    for token in 0..<t {
      let tokenQuery = linearByLoops(
        layer.queryProjection, (0..<x.shape[2]).map { Double(x[batch, token, $0]) })
      // Every (image, head, level, slot): its logit and the value it reads.
      var logits = [[Double]](repeating: [], count: h)
      var values = [[[Double]]](repeating: [], count: h)
      for image in 0..<n {
        let sees = visible[(batch * t + token) * n + image]
        let r = recency[token * n + image]
        let query = tokenQuery.indices.map {
          tokenQuery[$0] + Double(layer.recency.table[r, $0])
        }
        let offsets = linearByLoops(layer.samplingOffsets, query)  // h·P·2, 1/16 units
        let scores = linearByLoops(layer.attentionLogits, query)  // h·L·(P + 1)
        for head in 0..<h {
          for level in 0..<l {
            let map = maps[level]
            let (channels, height, width) = (map.shape[2], map.shape[3], map.shape[4])
            for point in 0..<p {
              logits[head].append(scores[(head * l + level) * (p + 1) + point]
                + (sees ? 0 : hidden))
              let o = (head * p + point) * 2
              let grid = Double(configuration.baseGrid)
              let sample = bilinearSampleByLoops(
                height: height, width: width, channels: d,
                x: Double(reference[batch, token, 0]) + offsets[o] / grid,
                y: Double(reference[batch, token, 1]) + offsets[o + 1] / grid
              ) { row, column in
                let feature = (0..<channels).map {
                  Double(map[batch, image, $0, row, column])
                }
                let value = linearByLoops(layer.valueProjection, feature)
                return Array(value[(head * d)..<((head + 1) * d)])
              }
              values[head].append(sample)
            }
            logits[head].append(-log(Double(n * l)))  // the null slot
            values[head].append([Double](repeating: 0, count: d))
          }
        }
      }
      // MARK: end
      // MARK: book:mmfs-loops-mix
      var mixed = [Double](repeating: 0, count: h * d)
      for head in 0..<h {
        for (weight, value) in zip(softmaxByLoops(logits[head]), values[head]) {
          for k in 0..<d { mixed[head * d + k] += weight * value[k] }
        }
      }
      output += linearByLoops(layer.outputProjection, mixed)
    }
  }
  return output
}
// MARK: end
