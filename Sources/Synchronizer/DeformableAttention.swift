import Autograd
import Layers
import Platform

/// Deformable attention (Zhu et al., Deformable DETR, 2021), the idea MMFS grows from:
/// instead of comparing a query with every position of a feature map, each query looks
/// at P learned points around its reference point, per head, and mixes the values there
/// with learned weights. The cost depends on P, not on the size of the map.
///
/// This layer reads L levels (L = 1 is the single-scale layer): offsets are learned per
/// (head, level, point), in pixels of each level, and one softmax per head spans all
/// L·P points.
public final class DeformableAttention: Layer {
  public let heads: Int, levels: Int, points: Int
  public var samplingOffsets: Linear  // C → h·L·P·2
  public var attentionLogits: Linear  // C → h·L·P
  public var valueProjection: Linear, outputProjection: Linear

  public init(
    width: Int, heads: Int, levels: Int = 1, points: Int = 4,
    using generator: inout SeededGenerator
  ) {
    require(
      width % heads == 0,
      "DeformableAttention", "\(width) channels do not "
        + "split into \(heads) heads")
    (self.heads, self.levels, self.points) = (heads, levels, points)
    samplingOffsets = Linear(
      width, heads * levels * points * 2, initialization: .zeros,
      using: &generator)
    // Deformable DETR's start: head h looks along direction 2πh/heads, point p at
    // distance p + 1 pixels (on the square ring), at every level; uniform attention.
    var bias: [Float] = []
    for head in 0..<heads {
      let angle = 2 * Float.pi * Float(head) / Float(heads)
      let (dx, dy) = (cosf(angle), sinf(angle))
      let scale = 1 / max(abs(dx), abs(dy))
      for _ in 0..<levels {
        for point in 0..<points {
          bias += [dx * scale * Float(point + 1), dy * scale * Float(point + 1)]
        }
      }
    }
    samplingOffsets.bias!.assign(bias)
    attentionLogits = Linear(
      width, heads * levels * points, initialization: .zeros,
      using: &generator)
    valueProjection = Linear(width, width, using: &generator)
    outputProjection = Linear(width, width, using: &generator)
  }

  // MARK: book:deformable
  /// `queries` [B, T, C], `reference` [B, T, 2] in [0, 1]², `maps` L tensors
  /// [B, C, H_l, W_l] → [B, T, C].
  public func callAsFunction(
    _ queries: Tensor, reference: Tensor, maps: [Tensor]
  ) -> Tensor {
    require(
      maps.count == levels,
      "DeformableAttention", "\(maps.count) maps for "
        + "\(levels) levels")
    let (b, t, c) = (queries.shape[0], queries.shape[1], queries.shape[2])
    let (h, l, p, d) = (heads, levels, points, c / heads)
    let offsets = samplingOffsets(queries).reshaped([b, t, h, l, p, 2])
    let weights = attentionLogits(queries).reshaped([b, t, h, l * p]).softmax()
      .reshaped([b, t, h, l, p])
    var mixed: Tensor? = nil  // [B, h, T, d]
    for (level, map) in maps.enumerated() {
      let (height, width) = (map.shape[2], map.shape[3])
      // Offsets are in pixels of this level: divide by its size to get normalised units.
      let size = Tensor([Float(width), Float(height)])
      let locations =
        (reference.reshaped([b, t, 1, 1, 2])
        + offsets.sliced(axis: 3, level..<(level + 1)).reshaped([b, t, h, p, 2]) / size)
        .permuted([0, 2, 1, 3, 4]).reshaped([b * h, t * p, 2])  // [B·h, T·P, 2]
      let values = valueProjection(map.permuted([0, 2, 3, 1]))  // [B, H, W, C]
        .reshaped([b, height, width, h, d]).permuted([0, 3, 1, 2, 4])
        .reshaped([b * h, height, width, d])  // [B·h, H, W, d]
      let samples = bilinearSample(values, at: locations).reshaped([b, h, t, p, d])
      let levelWeights = weights.sliced(axis: 3, level..<(level + 1))
        .reshaped([b, t, h, p]).permuted([0, 2, 1, 3]).reshaped([b, h, t, p, 1])
      let contribution = (samples * levelWeights).sum(axis: 3)  // [B, h, T, d]
      mixed = mixed.map { $0 + contribution } ?? contribution
    }
    return outputProjection(mixed!.permuted([0, 2, 1, 3]).reshaped([b, t, c]))
  }
  // MARK: end
}
