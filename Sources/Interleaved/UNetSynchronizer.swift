import Autograd
import Layers
import Synchronizer
import Vision

// MARK: book:unet-synchronizer
/// MMFS as MM-Interleaved's image decoder uses it, at one hook site of the U-Net (a skip
/// connection or the middle block): every pixel of the U-Net's feature map is a query
/// that reads the multi-scale maps of the previous image of its document, and the
/// result enters through a zero-initialised 1×1 convolution, so that at the start the
/// U-Net is exactly the U-Net of Chapter 7.
///
/// Per upstream's `MMFSBlock`: the query is LayerNorm(pixel features) plus a 2-D
/// sine–cosine code of the pixel's position; the maps pass a LayerNorm over channels;
/// each pixel's reference point is its own centre, and offsets are counted in pixels of
/// the query map (base grid = its side), so a point starts within about one pixel.
public final class UNetSynchronizer: Layer {
  public var queryNorm: LayerNorm  // over the U-Net's channels at this site
  public var mapNorm: LayerNorm  // over the maps' channels
  public var synchronizer: MultiModalFeatureSynchronizer
  public var output: ZeroConvolutionGate
  public let side: Int
  /// Fixed for the site, so computed once (plain arrays: a stored Tensor would count
  /// as a parameter): the 2-D sine–cosine code [S², C] and the pixel centres [S², 2].
  let positionCode: [Float], centres: [Float]

  /// A block for a `side`×`side` feature map of `channels` channels; `base` gives the
  /// maps' width, heads, levels and points (its query and output widths are replaced).
  public init(
    channels: Int, side: Int, base: SynchronizerConfiguration,
    using generator: inout SeededGenerator
  ) {
    var configuration = base
    (configuration.queryWidth, configuration.outputWidth) = (channels, channels)
    configuration.baseGrid = Float(side)
    configuration.maxImages = 2  // one image: the previous one
    configuration.offsetInitMagnitude = 1
    queryNorm = LayerNorm(channels)
    mapNorm = LayerNorm(configuration.valueWidth)
    synchronizer = MultiModalFeatureSynchronizer(configuration, using: &generator)
    output = ZeroConvolutionGate(channels: channels, using: &generator)
    self.side = side
    positionCode = sinCosPositions(channels: channels, height: side, width: side)
      .reshaped([channels, side * side]).transposed().data  // [S², C]
    centres = Self.pixelCentres(side: side)
  }

  // MARK: end
  // MARK: book:unet-synchronizer-forward
  /// `features`: the U-Net's map at this site, [B, C, S, S]; `maps`: the previous
  /// image's maps, one per level, [B, 1, C_v, H_l, W_l]; `hasPrevious[b]`: whether
  /// image b has a previous image in its document (if not, MMFS reads nothing and the
  /// output is the zero convolution of the output projection's bias).
  public func callAsFunction(
    _ features: Tensor, maps: [Tensor], hasPrevious: [Bool]
  ) -> Tensor {
    let (b, c, s) = (features.shape[0], features.shape[1], features.shape[2])
    require(
      features.shape == [b, positionCode.count / (side * side), side, side]
        && hasPrevious.count == b,
      "UNetSynchronizer",
      "features must be [B, \(positionCode.count / (side * side)), \(side), \(side)] "
        + "with one hasPrevious flag per image, "
        + "got \(features.shape) and \(hasPrevious.count) flags")
    let positions = Tensor(shape: [s * s, c], data: positionCode)  // [S², C]
    let pixels = features.reshaped([b, c, s * s]).permuted([0, 2, 1])  // [B, S², C]
    let queries = queryNorm(pixels) + positions  // [B, S², C]
    let normalisedMaps = normalisedOverChannels(maps) { mapNorm($0) }
    let reference = Tensor(
      shape: [b, s * s, 2], data: (0..<b).flatMap { _ in centres })  // [B, S², 2]
    let visible = hasPrevious.flatMap { [Bool](repeating: $0, count: s * s) }
    let read = synchronizer(
      queries, reference: reference, maps: normalisedMaps,
      visible: visible)  // [B, S², C]
    let asMap = read.permuted([0, 2, 1]).reshaped([b, c, s, s])  // [B, C, S, S]
    return output(features, features: asMap)
  }
  // MARK: end

  /// The centre of every pixel of an S×S map in the unit square, row by row: S² pairs
  /// (x, y).
  static func pixelCentres(side s: Int) -> [Float] {
    var centres: [Float] = []
    for row in 0..<s {
      for column in 0..<s {
        centres += [(Float(column) + 0.5) / Float(s), (Float(row) + 0.5) / Float(s)]
      }
    }
    return centres
  }
}
