import Autograd
import Layers
import Platform

/// The sizes of one Multi-Modal Feature Synchronizer. MMI-Tiny's language-model values
/// are the defaults; the paper's (upstream's LLM instance) in the comments.
public struct SynchronizerConfiguration: Sendable, Equatable {
  public var queryWidth = 128  // paper: 5120
  public var valueWidth = 64  // paper: 1024 (the feature maps' channels)
  public var attentionWidth = 64  // paper: 1024 (value width after projection)
  public var outputWidth = 128  // paper: 5120
  public var heads = 4  // paper: 16
  public var levels = 3  // paper: 3
  public var points = 4  // paper: 8
  /// Offsets are in units of 1/baseGrid of the image (paper: 16).
  public var baseGrid: Float = 16
  public var maxImages = 8  // paper: 50
  /// Initial offsets are drawn from U(−m, m) base-grid cells (paper: 3 in the LLM).
  public var offsetInitMagnitude: Float = 3

  public init() {}
}

/// The Multi-Modal Feature Synchronizer (MM-Interleaved §3.2, upstream `MMFS`): every
/// token looks, through sparse deformable attention, at a few learned points of the
/// multi-scale feature maps of every image it may see, and one softmax spans all of
/// them.
///
/// Per token t, visible image j, head h, level l and point p:
///   q_tj = W_q·x_t + E[recency_j(t)]                     a query per image
///   Δ_tjhp = W_Δ·q_tj (shared by all levels)             offsets, in base-grid cells
///   s_tjhlp = W_s·q_tj; s for the null slot = −log(N·L)  attention logits
///   a = softmax over (j, l, p, null) per (t, h); invisible images masked
///   o_th = Σ a_tjhlp · bilinear(V_jlh, ref_t + Δ_tjhp / base)
///   y_t = W_o·concat_h o_th
/// The null slots (value zero, total mass 1) let a token attend to "nothing": one that
/// sees no image gets exactly zero before the output projection.
public final class MultiModalFeatureSynchronizer: Layer {
  public let configuration: SynchronizerConfiguration
  public var queryProjection: Linear  // upstream: dynamic_offset_mask
  public var recency: Embedding  // upstream: query_relpos
  public var samplingOffsets: Linear
  public var attentionLogits: Linear  // upstream: attention_weights
  public var valueProjection: Linear, outputProjection: Linear

  public init(
    _ configuration: SynchronizerConfiguration = SynchronizerConfiguration(),
    using generator: inout SeededGenerator
  ) {
    let c = configuration
    self.configuration = c
    queryProjection = Linear(
      c.queryWidth, c.queryWidth, initialization: .normal(std: 0.02),
      using: &generator)
    recency = Embedding(
      c.maxImages, c.queryWidth, initialization: .normal(std: 0.02),
      using: &generator)
    // Upstream's initialisation: offsets start as a fixed random pattern (weight 0,
    // bias uniform in ±m), attention nearly uniform (small weight, zero bias).
    samplingOffsets = Linear(
      c.queryWidth, c.heads * c.points * 2,
      initialization: .zeros, using: &generator)
    samplingOffsets.bias!.assign(
      (0..<c.heads * c.points * 2).map { _ in
        generator.uniform(-c.offsetInitMagnitude, c.offsetInitMagnitude)
      })
    attentionLogits = Linear(
      c.queryWidth, c.heads * c.levels * (c.points + 1),
      initialization: .normal(std: 0.02), using: &generator)
    valueProjection = Linear(c.valueWidth, c.attentionWidth, using: &generator)
    outputProjection = Linear(c.attentionWidth, c.outputWidth, using: &generator)
  }

  // MARK: book:mmfs
  /// `x`: queries [B, T, Cq]; `reference`: a point (x, y) in [0, 1]² per token [B, T, 2];
  /// `maps`: one tensor per level, [B, N, C, H_l, W_l]; `visible`: [B, T, N] row-major.
  /// Returns [B, T, Cout].
  public func callAsFunction(
    _ x: Tensor, reference: Tensor, maps: [Tensor], visible: [Bool]
  ) -> Tensor {
    let c = configuration
    let (b, t) = (x.shape[0], x.shape[1])
    require(
      maps.count == c.levels, "MMFS", "\(maps.count) maps for \(c.levels) levels")
    for map in maps {
      require(
        map.rank == 5 && map.shape[0] == b && map.shape[1] == maps[0].shape[1]
          && map.shape[2] == c.valueWidth, "MMFS",
        "each map must be [B, N, C, H, W] = [\(b), N, \(c.valueWidth), H, W] with the "
          + "same N at every level, got \(maps.map(\.shape))")
    }
    let n = maps[0].shape[1]
    let (locations, weights) = samplingPattern(
      x, reference: reference, images: n, visible: visible)
    let values = maps.map { map in
      valueProjection(map.permuted([0, 1, 3, 4, 2]))  // [B, N, H, W, h·d]
    }
    let heads = synchronizerRead(
      values: values, locations: locations, weights: weights, visible: visible,
      heads: c.heads)  // [B, T, h·d]
    return outputProjection(heads)  // [B, T, Cout]
  }
  // MARK: end

  // MARK: book:mmfs-pattern
  /// Where a token looks and how much each look counts: sampling locations
  /// [B, T, N, h, P, 2] in [0, 1]² (shared by all levels) and attention weights
  /// [B, T, h, N, L, P + 1], one softmax per (token, head); the last slot is the null.
  public func samplingPattern(
    _ x: Tensor, reference: Tensor, images n: Int, visible: [Bool]
  ) -> (locations: Tensor, weights: Tensor) {
    let c = configuration
    let (b, t) = (x.shape[0], x.shape[1])
    let (h, p, l) = (c.heads, c.points, c.levels)
    require(
      visible.count == b * t * n, "MMFS", "visibility needs \(b)×\(t)×\(n) flags")

    // Per-image queries: the token's query plus the image's recency embedding.
    var recencies: [Int] = []
    for batch in 0..<b {
      let rows = Array(visible[(batch * t * n)..<((batch + 1) * t * n)])
      recencies += recencyIndices(rows, images: n)
    }
    require(
      (recencies.max() ?? 0) < c.maxImages,
      "MMFS",
      "a token sees \(recencies.max() ?? 0) images, but the recency embedding has "
        + "room for \(c.maxImages - 1); raise SynchronizerConfiguration.maxImages")
    let queries =
      queryProjection(x).reshaped([b, t, 1, c.queryWidth])
      + recency(recencies, shape: [b, t, n])  // [B, T, N, Cq]

    // Sampling locations, shared by all levels: [B, T, N, h, P, 2].
    let offsets = samplingOffsets(queries).reshaped([b, t, n, h, p, 2])
    let locations = reference.reshaped([b, t, 1, 1, 1, 2]) + offsets * (1 / c.baseGrid)

    // MARK: end
    // MARK: book:mmfs-pattern-softmax
    // One softmax per (token, head) over images × levels × (points + null slot).
    let logits = attentionLogits(queries).reshaped([b, t, n, h, l, p + 1])
    let weights = synchronizerWeights(logits, visible: visible)  // [B, T, h, N, L, P+1]
    return (locations, weights)
  }
  // MARK: end
}

// MARK: book:gate
/// The zero-initialised gate of MM-Interleaved's decoder: x + tanh(α)·MMFS(x, …) with
/// α = 0 at the start, so inserting the Synchronizer leaves a pre-trained host network's
/// output unchanged until training opens the gate.
public final class GatedSynchronizer: Layer {
  public var synchronizer: MultiModalFeatureSynchronizer
  public var gate: Tensor  // α, a single number

  public init(
    _ configuration: SynchronizerConfiguration, using generator: inout SeededGenerator
  ) {
    synchronizer = MultiModalFeatureSynchronizer(configuration, using: &generator)
    gate = Tensor.zeros([1], requiresGrad: true)
  }

  public func callAsFunction(
    _ x: Tensor, reference: Tensor, maps: [Tensor], visible: [Bool]
  ) -> Tensor {
    x + gate.tanh() * synchronizer(x, reference: reference, maps: maps, visible: visible)
  }
}
// MARK: end

/// The zero-initialised 1×1 convolution through which MM-Interleaved's image decoder adds
/// MMFS features to its U-Net (upstream's `MMFSNet` zero convolutions): at the start the
/// U-Net's features pass unchanged, and training grows the contribution from zero.
public final class ZeroConvolutionGate: Layer {
  public var projection: Conv2d

  public init(channels: Int, using generator: inout SeededGenerator) {
    projection = Conv2d(
      channels, channels, kernel: 1, initialization: .zeros,
      using: &generator)
  }

  /// host [B, C, H, W] + 1×1 conv of `features` [B, C, H, W].
  public func callAsFunction(_ host: Tensor, features: Tensor) -> Tensor {
    host + projection(features)
  }
}
