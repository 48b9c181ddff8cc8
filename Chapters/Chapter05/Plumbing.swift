// Chapter 5's plumbing: preparing data, formatting results, timing. The book does not
// print this file; the chapter's page keeps the ideas.
import Autograd
import Datasets
import Layers
import Notebook
import Resampler
import Synchronizer
import Vision

/// ViT tokens [B, 64, C] with the 2-D position code of their 8×8 grid added.
func withPositions(_ tokens: Tensor) -> Tensor {
  tokens + sinCosPositions(channels: 64, height: 8, width: 8)
    .reshaped([64, 64]).transposed()  // [M, C]
}

/// Frozen tokens (with the 2-D position code), pyramid maps [B, 1, C, H, W] and the
/// first object's cell, for `count` fresh scenes in batches of 32.
func encodedScenes(
  _ count: Int, _ encoder: ImageEncoder, using generator: inout SeededGenerator
) -> [CellBatch] {
  (0..<(count / 32)).map { _ in
    let scenes = (0..<32).map { _ in Scene.random(using: &generator) }
    let (tokens, maps) = withoutGradient {
      encoder(Tensor.stack(scenes.map { $0.render().tensor }))
    }
    let cells = scenes.map { scene in
      let first = scene.objectsInReadingOrder[0]
      return (first.row - 1) * 6 + (first.column - 1)
    }
    return (withPositions(tokens),
            maps.map { $0.reshaped([32, 1] + $0.shape.dropFirst()) }, cells)
  }
}

/// Pairs of encoded scenes: the later scene's tokens, both pyramids (earlier first,
/// [B, 2, C, H, W] per level) and the earlier scene's first-object cell. Each batch is
/// paired with the next one, so no new scenes need encoding.
func earlierCellPairs(_ batches: [CellBatch]) -> [CellBatch] {
  zip(batches, Array(batches.dropFirst() + [batches[0]])).map { earlier, later in
    (later.tokens,
     zip(earlier.maps, later.maps).map { Tensor.concatenate([$0, $1], axis: 1) },
     earlier.cells)
  }
}

/// tanh(α) of the reader's gate, or a dash when it has no Synchronizer.
func gateText(_ reader: CellReader) -> String {
  reader.synchronizer.map { "\(rounded: FastMath.tanh($0.gate.item))" } ?? "–"
}

/// A results table's rows with the chance row added.
func withChance(_ rows: [[String]]) -> [[String]] { rows + [["chance", "2.8%", ""]] }

/// Small random inputs on which a loop version and a tensor version are compared.
struct AgreementCheck {
  var random = SeededGenerator(seed: 55)

  /// Loops against tensors: bilinear sampling on 2 random 5×7 maps, 6 points each.
  mutating func bilinear() -> String {
    let values = Tensor.normal([2, 5, 7, 3], using: &random)  // [G, H, W, C]
    let points = Tensor.uniform([2, 6, 2], low: -0.1, high: 1.1, using: &random)
    let fast = bilinearSample(values, at: points)  // [G, Q, C]
    var slow: [Double] = []
    for group in 0..<2 {
      for point in 0..<6 {
        slow += bilinearSampleByLoops(
          height: 5, width: 7, channels: 3, x: Double(points[group, point, 0]),
          y: Double(points[group, point, 1])
        ) { row, column in (0..<3).map { Double(values[group, row, column, $0]) } }
      }
    }
    return agreement(fast, slow)
  }

  /// Loops against tensors: deformable attention over three levels.
  mutating func deformable(_ layer: DeformableAttention) -> String {
    let maps = [8, 4, 2].map {
      Tensor.normal([1, 64, $0, $0], using: &random)  // [B, C, H, W]
    }
    let queries = Tensor.normal([1, 3, 64], using: &random)  // [B, T, C]
    let reference = Tensor.uniform([1, 3, 2], using: &random)  // [B, T, 2]
    let fast = layer(queries, reference: reference, maps: maps)
    let slow = deformableAttentionByLoops(
      layer, queries: queries, reference: reference, maps: maps)
    return agreement(fast, slow)
  }

  /// Loops against tensors: the Synchronizer with 4 tokens and 2 images, each token
  /// seeing a different subset (none, the first, the second, both).
  mutating func synchronizer() -> String {
    var configuration = SynchronizerConfiguration()
    (configuration.queryWidth, configuration.outputWidth) = (64, 64)
    let layer = MultiModalFeatureSynchronizer(configuration, using: &random)
    // Random offsets and logits (they start at zero), so every path is exercised.
    for parameter in [layer.samplingOffsets.weight, layer.attentionLogits.weight] {
      parameter.assign((0..<parameter.count).map { _ in random.uniform(-0.05, 0.05) })
    }
    let maps = [8, 4, 2].map {
      Tensor.normal([1, 2, 64, $0, $0], using: &random)  // [B, N, C, H, W]
    }
    let x = Tensor.normal([1, 4, 64], using: &random)  // [B, T, C]
    let reference = Tensor.uniform([1, 4, 2], using: &random)  // [B, T, 2]
    let visible = [false, false, true, false, false, true, true, true]  // [B, T, N]
    let fast = layer(x, reference: reference, maps: maps, visible: visible)
    let slow = synchronizerByLoops(
      layer, x: x, reference: reference, maps: maps, visible: visible)
    return agreement(fast, slow)
  }
}

/// Forward times of one MMFS layer and of dense cross-attention over every cell, for
/// 128 tokens and 1, 2, 4, 8 images, with the chart of them saved to `path`.
func timeLayers(
  savingChartTo path: String, using generator: inout SeededGenerator
) throws -> [(images: Int, mmfs: Double, dense: Double)] {
  let dense = MultiHeadAttention(width: 64, heads: 4, using: &generator)
  var configuration = SynchronizerConfiguration()
  (configuration.queryWidth, configuration.outputWidth) = (64, 64)
  configuration.maxImages = 17
  let mmfs = MultiModalFeatureSynchronizer(configuration, using: &generator)
  var rows: [(images: Int, mmfs: Double, dense: Double)] = []
  for n in [1, 2, 4, 8] {
    let queries = Tensor.normal([1, 128, 64], using: &generator)
    let maps = [16, 8, 4].map {
      Tensor.normal([1, n, 64, $0, $0], using: &generator)  // [B, N, C, H, W]
    }
    let everything = Tensor.concatenate(maps.map { $0.reshaped([1, n, 64, -1]) }, axis: 3)
      .permuted([0, 1, 3, 2]).reshaped([1, -1, 64])  // [1, N·336, C]
    let reference = Tensor.full([1, 128, 2], 0.5)
    let seen = [Bool](repeating: true, count: 128 * n)
    let mmfsSeconds = bestSeconds(repeats: 5) {
      _ = withoutGradient {
        mmfs(queries, reference: reference, maps: maps, visible: seen)
      }
    }
    let denseSeconds = bestSeconds(repeats: 5) {
      _ = withoutGradient { dense(queries, context: everything) }
    }
    rows.append((n, mmfsSeconds, denseSeconds))
  }
  var chart = LineChart(title: "One layer, 128 tokens: time against images",
                        xLabel: "images per sequence", yLabel: "milliseconds")
  chart.add("MMFS", rows.map { (Double($0.images), 1000 * $0.mmfs) }, showsPoints: true)
  chart.add("dense cross-attention", rows.map { (Double($0.images), 1000 * $0.dense) },
            showsPoints: true)
  chart.legendPosition = .topLeft
  try chart.save(to: path)
  return rows
}

/// The Synchronizer of the chapter's worked example: one head, two levels, one point,
/// one channel; queries and recency contribute nothing, the point's logits are 1
/// (level 1) and 0.5 (level 2), its offset two base-grid cells to the right, and the
/// value and output projections pass their input through.
func workedExampleSynchronizer() -> MultiModalFeatureSynchronizer {
  var configuration = SynchronizerConfiguration()
  (configuration.queryWidth, configuration.valueWidth) = (2, 1)
  (configuration.attentionWidth, configuration.outputWidth) = (1, 1)
  (configuration.heads, configuration.levels, configuration.points) = (1, 2, 1)
  var random = SeededGenerator(seed: 0)
  let layer = MultiModalFeatureSynchronizer(configuration, using: &random)
  layer.queryProjection.weight.assign([0, 0, 0, 0])
  layer.queryProjection.bias!.assign([0, 0])
  layer.recency.table.assign([Float](repeating: 0, count: layer.recency.table.count))
  layer.samplingOffsets.bias!.assign([2, 0])  // (Δx, Δy) in cells of 1/16
  layer.attentionLogits.weight.assign([Float](repeating: 0, count: 8))
  layer.attentionLogits.bias!.assign([1, 0, 0.5, 0])  // level 1: point, null; level 2
  layer.valueProjection.weight.assign([1])
  layer.valueProjection.bias!.assign([0])
  layer.outputProjection.weight.assign([1])
  layer.outputProjection.bias!.assign([0])
  return layer
}
