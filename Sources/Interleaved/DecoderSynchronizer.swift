import Autograd
import Layers
import Synchronizer

// MARK: book:decoder-synchronizer
/// MMFS as MM-Interleaved's language model uses it, between a block's attention and its
/// feed-forward part: h ← h + tanh(α)·MMFS(RMSNorm(h), RMSNorm over channels of the
/// maps), with α = 0 at the start so that the pre-trained decoder is unchanged. Every
/// token's reference point is the image centre (upstream has no spatial prior: the
/// offsets do all the localisation).
public final class DecoderSynchronizer: Layer {
  public var queryNorm: RMSNorm  // over the decoder's width
  public var mapNorm: RMSNorm  // over the maps' channels
  public var synchronizer: MultiModalFeatureSynchronizer
  public var gate: Tensor  // α, one number

  public init(
    _ configuration: SynchronizerConfiguration, using generator: inout SeededGenerator
  ) {
    queryNorm = RMSNorm(configuration.queryWidth)
    mapNorm = RMSNorm(configuration.valueWidth)
    synchronizer = MultiModalFeatureSynchronizer(configuration, using: &generator)
    gate = Tensor.zeros([1], requiresGrad: true)
  }

  // MARK: end
  // MARK: book:decoder-synchronizer-forward
  /// `h`: decoder states [B, T, C]; `maps`: one tensor per level, [B, N, C_v, H_l, W_l]
  /// (N: the most images any sequence of the batch holds; missing ones are never
  /// visible); `visible`: [B, T, N] row-major. Returns [B, T, C].
  public func callAsFunction(_ h: Tensor, maps: [Tensor], visible: [Bool]) -> Tensor {
    let (b, t) = (h.shape[0], h.shape[1])
    let normalisedMaps = normalisedOverChannels(maps) { mapNorm($0) }
    let centre = Tensor.full([b, t, 2], 0.5)  // [B, T, 2]
    let read = synchronizer(
      queryNorm(h), reference: centre, maps: normalisedMaps,
      visible: visible)  // [B, T, C]
    return h + gate.tanh() * read
  }
}
// MARK: end
