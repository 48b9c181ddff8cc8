import Autograd
import Layers
import Synchronizer

// MARK: book:decoder-cross-attention
/// The dense alternative to MMFS that the paper's Table 7 measures it against: every
/// token attends to every cell of every level of every image it may see (16² + 8² + 4²
/// = 336 keys per image here), through ordinary multi-head cross-attention, added
/// through a tanh gate that starts closed, as the Synchronizer is. One more key, with
/// a value of zero, is always visible: the "nothing here" a token that sees no image
/// needs (MMFS's null slot). The maps carry their 2-D positions already.
public final class DecoderCrossAttention: Layer {
  public var queryNorm: RMSNorm  // over the decoder's width
  public var mapNorm: RMSNorm  // over the maps' channels
  public var attention: MultiHeadAttention
  public var gate: Tensor  // α, one number

  /// Sized like the Synchronizer it replaces: its query width and heads, keys and
  /// values from the maps' channels.
  public init(
    _ configuration: SynchronizerConfiguration, using generator: inout SeededGenerator
  ) {
    let c = configuration
    queryNorm = RMSNorm(c.queryWidth)
    mapNorm = RMSNorm(c.valueWidth)
    attention = MultiHeadAttention(
      width: c.queryWidth, heads: c.heads, contextWidth: c.valueWidth,
      using: &generator)
    gate = Tensor.zeros([1], requiresGrad: true)
  }

  /// `h`: decoder states [B, T, C]; `maps`: one per level, [B, N, C_v, H_l, W_l];
  /// `visible`: [B, T, N] row-major. Returns [B, T, C].
  public func callAsFunction(_ h: Tensor, maps: [Tensor], visible: [Bool]) -> Tensor {
    let (b, t, n) = (h.shape[0], h.shape[1], maps[0].shape[1])
    let channels = maps[0].shape[2]
    // Every cell of every level, image by image within each level: [B, S, C_v].
    var cellImages: [Int] = []  // the image of each key
    let levels = maps.map { map -> Tensor in
      let (height, width) = (map.shape[3], map.shape[4])
      cellImages += (0..<n).flatMap { Array(repeating: $0, count: height * width) }
      return map.permuted([0, 1, 3, 4, 2])
        .reshaped([b, n * height * width, channels])  // [B, N·H·W, C_v]
    }
    let nothing = Tensor.zeros([b, 1, channels])
    let keys = mapNorm(Tensor.concatenate(levels, axis: 1))  // [B, S, C_v]
    let context = Tensor.concatenate([keys, nothing], axis: 1)  // [B, S + 1, C_v]
    let s = cellImages.count
    var mask = [Float](repeating: 0, count: b * t * (s + 1))
    for row in 0..<(b * t) {
      for key in 0..<s where !visible[row * n + cellImages[key]] {
        mask[row * (s + 1) + key] = -.infinity
      }
    }
    let read = attention(
      queryNorm(h), context: context,
      mask: Tensor(shape: [b, 1, t, s + 1], data: mask))  // [B, T, C]
    return h + gate.tanh() * read
  }
}
// MARK: end
