import Autograd
import Interleaved
import Language

// MARK: book:cached-reader
/// MMI-Tiny as the generation loop's reader, one document at a time. The decoder keeps
/// its keys and values (a KV cache) and the final state of every position read, so
/// each new token costs one position, not the whole document; an image's condition is
/// read from the kept states. (Upstream re-reads the whole context before each image
/// and each text round; the test suite checks that reading position by position gives
/// the states a full forward pass gives.)
public final class CachedInterleavedReader: InterleavedReader {
  public let model: MMInterleaved
  public var steps: Int, guidance: Float
  /// Hears of each denoising step of an image being drawn.
  public var progress: ((_ done: Int, _ of: Int) -> Void)?
  let cache: KeyValueCache
  /// The final states of the positions read so far, piece by piece: [1, P, C] each.
  var states: [Tensor] = []
  /// The images last encoded, and their encoding.
  var encodedPictures: [[Float]] = []
  var encoded: EncodedImages?

  public init(_ model: MMInterleaved, steps: Int = 25, guidance: Float = 3) {
    self.model = model
    (self.steps, self.guidance) = (steps, guidance)
    cache = KeyValueCache(layers: model.language.blocks.count)
  }

  public var positionsRead: Int { cache.length }

  public func read(
    _ sequence: PackedSequence, positions: Range<Int>, images: [Tensor]
  ) throws -> [Float] {
    guard positions.lowerBound == cache.length, !positions.isEmpty else {
      throw GenerationError(
        description: "read positions \(positions) after \(cache.length) were read; "
          + "read on from there, at least one")
    }
    let pictures = encodings(images)
    return withoutGradient {
      let new = model.decoderStates(
        [sequence], images: pictures, positions: positions, cache: cache)  // [1, P, C]
      states.append(new)
      let count = positions.count
      let last = new.sliced(axis: 1, (count - 1)..<count)  // [1, 1, C]
      return model.language.head(last).data  // [V]
    }
  }

  public func drawImage(
    _ index: Int, of sequence: PackedSequence, images: [Tensor],
    using generator: inout SeededGenerator
  ) throws -> Tensor {
    guard cache.length > sequence.beginImages[index] else {
      throw GenerationError(
        description: "image \(index)'s <img> at \(sequence.beginImages[index]) must be "
          + "read before it is drawn; \(cache.length) positions were read")
    }
    let read = Tensor.concatenate(states, axis: 1)  // [1, P, C]
    let picture = model.draw(
      [ImageReference(sequence: 0, image: index, index: index)], states: read,
      sequences: [sequence], images: encodings(images), steps: steps,
      guidance: guidance, using: &generator, progress: progress)  // [1, 3, H, W]
    return picture.reshaped(Array(picture.shape.dropFirst()))  // [3, H, W]
  }

  /// The images encoded, [N, …]; encoded again only when they changed.
  func encodings(_ images: [Tensor]) -> EncodedImages {
    let pictures = images.map(\.data)
    if let encoded, pictures == encodedPictures { return encoded }
    let fresh = withoutGradient {
      model.encode(images.isEmpty ? Tensor.zeros([0, 3, 1, 1]) : Tensor.stack(images))
    }
    (encoded, encodedPictures) = (fresh, pictures)
    return fresh
  }
}
// MARK: end
