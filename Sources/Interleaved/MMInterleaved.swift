import Autograd
import Diffusion
import Language
import Layers
import Resampler
import Synchronizer
import Vision

// MARK: book:interleaved-configuration
/// MMI-Tiny's sizes (DESIGN §4), with the paper's release model beside each.
public struct InterleavedConfiguration: Sendable, Equatable {
  public var vision = VisionConfiguration()  // CLIP ViT-L/14 at 224² + ViT-Adapter
  public var visualTokens = 8  // 64
  public var visualResamplerLayers = 2  // 12 (a Q-Former)
  public var language: LanguageModelConfiguration  // Vicuna-13B
  public var synchronizedLayers = [0, 2]  // 0, 4, 8, …, 36 of 40
  public var decoderSynchronizer = SynchronizerConfiguration()  // 16 heads, 8 points
  public var conditionTokens = 8  // 77
  public var conditionLayers = 1  // 1
  public var unet = UNetConfiguration()  // Stable Diffusion 2.1's
  /// The side of what the U-Net denoises: the image itself here, a 64² latent upstream.
  public var unetSide = 32  // 64
  /// The U-Net's MMFS blocks: heads, levels, points (16, 4, 8); widths per site.
  public var unetSynchronizer = SynchronizerConfiguration()
  public var diffusionSteps = 200  // 1000
  public var conditionDropProbability: Float = 0.1  // 0.1
  public var imageLossWeight: Float = 2  // 10
  /// What the U-Net predicts: the noise, as upstream (SD-2.1-base predicts ε).
  public var diffusionTarget = DiffusionTarget.noise
  /// Whether the image encoder learns (upstream: CLIP frozen, its adapter trained;
  /// here the whole Chapter 3 encoder is frozen unless this says otherwise).
  public var trainsEncoder = false
  /// Whether the image loss trains the decoder too, through the condition (upstream:
  /// yes). When false the condition reads the decoder's states as they are, and only
  /// the text loss shapes them.
  public var imageLossTrainsDecoder = true

  // The switches of the paper's ablations (Chapter 10); the defaults are MM-Interleaved.
  /// What reads the images in the `synchronizedLayers` (Tables 6a and 7).
  public var decoderImageReader = DecoderImageReader.synchronizer
  /// The pyramid levels the decoder reads: all three, or one (Table 8).
  public var decoderLevels = [0, 1, 2]
  /// Whether a token reads every earlier image of its document through MMFS, or only
  /// the most recent one (Table 8).
  public var decoderReadsEarlierImages = true
  /// Whether the U-Net reads the previous image through MMFS (Table 6c).
  public var unetSynchronizes = true

  public init(vocabularySize: Int) {
    language = LanguageModelConfiguration(vocabularySize: vocabularySize)
  }
}
// MARK: end

extension InterleavedConfiguration {
  /// The U-Net's MMFS sites, in the order of `UNetSite`: each level's skip, then the
  /// middle block, with the channels and side of the features there.
  public var unetSynchronizerSites: [(channels: Int, side: Int)] {
    let levels = unet.channels.count
    return (0..<levels).map { (unet.channels[$0], unetSide >> $0) }
      + [(unet.channels[levels - 1], unetSide >> (levels - 1))]
  }
}

/// What reads the images' feature maps from inside the decoder.
public enum DecoderImageReader: Sendable, Equatable {
  /// MMFS: a few learnt points per image, level and head (the paper's).
  case synchronizer
  /// Dense cross-attention over every cell of every level of every visible image
  /// (the paper's Table 7 baseline).
  case crossAttention
}

/// A batch: sequences packed to one length, and their images in the order the
/// sequences hold them (the first sequence's images, then the second's, …).
public struct InterleavedBatch {
  public let sequences: [PackedSequence]
  public let images: Tensor  // [I, 3, 32, 32], values in [0, 1]

  public init(sequences: [PackedSequence], images: Tensor) {
    let lengths = Set(sequences.map(\.length))
    let expected = sequences.reduce(0) { $0 + $1.imageCount }
    require(
      !sequences.isEmpty && lengths.count == 1, "InterleavedBatch",
      "needs one or more sequences of one length, got lengths \(lengths.sorted())")
    require(
      images.rank == 4 && images.shape[0] == expected, "InterleavedBatch",
      "the sequences hold \(expected) images, so images must be [\(expected), 3, H, W]; "
        + "got \(images.shape)")
    (self.sequences, self.images) = (sequences, images)
  }
}

/// The images of a batch as the model reads them.
public struct EncodedImages {
  /// K visual tokens per image, in the decoder's width: [I, K, C].
  public let tokens: Tensor
  /// The multi-scale maps, one per level: [I, C_v, H_l, W_l].
  public let maps: [Tensor]
  public var count: Int { tokens.shape[0] }
}

/// The joint loss and its two terms.
public struct InterleavedLoss {
  /// L = L_text + λ·L_image.
  public let total: Tensor
  public let text: Tensor, image: Tensor
  /// How many images had context enough to train the image decoder.
  public let conditionedImages: Int
}

// MARK: book:interleaved-model
/// MM-Interleaved (Tian et al., 2024) at MMI-Tiny's size: an image encoder with its
/// multi-scale maps (Chapter 3), a resampler that turns each image into K tokens
/// (Chapter 4), a LLaMA-style decoder (Chapter 6) with MMFS in some of its layers
/// (Chapter 5), and a diffusion U-Net (Chapter 7) conditioned on the decoder's states
/// and, through MMFS, on the previous image.
public final class MMInterleaved: Layer {
  public let configuration: InterleavedConfiguration
  public var encoder: ImageEncoder
  public var visualResampler: PerceiverResampler
  /// The visual tokens into the decoder's width, initialised N(0, 10⁻³): at the start
  /// images are a whisper in the sequence, not a shout.
  public var visualProjection: Linear
  /// Added at every `<img>`, initialised to zero (upstream's `soi_token`).
  public var beginImageVector: Tensor  // [C]
  public var language: LanguageModel
  public var decoderSynchronizers: [DecoderSynchronizer]  // one per synchronized layer
  /// Dense cross-attention in their place, for Table 7's comparison (else empty).
  public var decoderCrossAttentions: [DecoderCrossAttention]
  public var conditionProjection: Linear
  public var conditionResampler: PerceiverResampler
  /// The learned "no condition" of classifier-free guidance.
  public var nullCondition: Tensor  // [1, S, C]
  public var unet: UNet
  public var unetSynchronizers: [UNetSynchronizer]  // the skips by level, the middle
  public let schedule: NoiseSchedule
  // MARK: end

  public init(
    _ configuration: InterleavedConfiguration, using generator: inout SeededGenerator
  ) {
    let c = configuration
    let width = c.language.width
    require(
      c.unet.contextWidth == width && c.decoderSynchronizer.queryWidth == width
        && c.decoderSynchronizer.outputWidth == width,
      "MMInterleaved",
      "the U-Net's context and the decoder MMFS's query and output widths must equal "
        + "the decoder's width \(width)")
    self.configuration = c
    encoder = ImageEncoder(c.vision, using: &generator)
    visualResampler = PerceiverResampler(
      tokens: c.visualTokens, width: c.vision.width, layers: c.visualResamplerLayers,
      heads: c.vision.heads, using: &generator)
    visualProjection = Linear(
      c.vision.width, width, initialization: .normal(std: 1e-3), using: &generator)
    beginImageVector = Tensor.zeros([width], requiresGrad: true)
    language = LanguageModel(c.language, using: &generator)
    require(
      c.decoderSynchronizer.levels == c.decoderLevels.count
        && c.decoderLevels.allSatisfy { (0..<3).contains($0) }, "MMInterleaved",
      "the decoder reads levels \(c.decoderLevels) of the three, so its MMFS needs "
        + "\(c.decoderLevels.count) levels, not \(c.decoderSynchronizer.levels)")
    let readers = c.synchronizedLayers
    let dense = c.decoderImageReader == .crossAttention
    decoderSynchronizers = (dense ? [] : readers).map { _ in
      DecoderSynchronizer(c.decoderSynchronizer, using: &generator)
    }
    decoderCrossAttentions = (dense ? readers : []).map { _ in
      DecoderCrossAttention(c.decoderSynchronizer, using: &generator)
    }
    conditionProjection = Linear(width, width, using: &generator)
    conditionResampler = PerceiverResampler(
      tokens: c.conditionTokens, width: width, layers: c.conditionLayers,
      heads: c.language.heads, using: &generator)
    nullCondition = Tensor.normal(
      [1, c.conditionTokens, width], std: 0.02, using: &generator, requiresGrad: true)
    unet = UNet(c.unet, using: &generator)
    require(
      c.unetSide == c.vision.imageSize, "MMInterleaved",
      "the U-Net draws the images the encoder reads: unetSide \(c.unetSide) must equal "
        + "the image size \(c.vision.imageSize)")
    unetSynchronizers = (c.unetSynchronizes ? c.unetSynchronizerSites : []).map {
      channels, side in
      UNetSynchronizer(
        channels: channels, side: side, base: c.unetSynchronizer, using: &generator)
    }
    schedule = .linear(steps: c.diffusionSteps)
  }

  // MARK: book:interleaved-loss
  /// The joint loss of one batch: L = L_text + λ·L_image.
  public func loss(
    _ batch: InterleavedBatch, using generator: inout SeededGenerator
  ) -> InterleavedLoss {
    let images = encode(batch.images)
    let states = decoderStates(batch.sequences, images: images)  // [B, T, C]
    let text = textLoss(states, batch.sequences)
    let (image, conditioned) = imageLoss(states, batch, images, using: &generator)
    return InterleavedLoss(
      total: text + image * configuration.imageLossWeight, text: text, image: image,
      conditionedImages: conditioned)
  }
  // MARK: end

  // MARK: book:interleaved-encode
  /// Images [I, 3, 32, 32] → K visual tokens each and the multi-scale maps.
  public func encode(_ images: Tensor) -> EncodedImages {
    let c = configuration
    guard images.shape[0] > 0 else {
      let sides = [2, 4, 8].map { c.vision.imageSize / $0 }
      return EncodedImages(
        tokens: Tensor.zeros([0, c.visualTokens, c.language.width]),
        maps: sides.map { Tensor.zeros([0, c.decoderSynchronizer.valueWidth, $0, $0]) })
    }
    let (tokens, maps) =
      c.trainsEncoder ? encoder(images) : withoutGradient { encoder(images) }
    let visual = visualProjection(visualResampler(tokens))  // [I, K, C]
    return EncodedImages(tokens: visual, maps: maps)
  }
  // MARK: end

  // MARK: book:interleaved-decoder
  /// The decoder's final states [B, P, C] at `positions` of every sequence (all of
  /// them by default). With a cache, `positions` must start where the cache ends.
  public func decoderStates(
    _ sequences: [PackedSequence], images: EncodedImages,
    positions: Range<Int>? = nil, cache: KeyValueCache? = nil
  ) -> Tensor {
    let range = positions ?? 0..<sequences[0].length
    require(
      cache.map { $0.length == range.lowerBound } ?? true, "decoderStates",
      "the cache holds \(cache?.length ?? 0) positions; continue from there, "
        + "not from \(range.lowerBound)")
    let x = embed(sequences, images: images, positions: range)  // [B, P, C]
    let (maps, visible) = decoderMaps(sequences, images: images, positions: range)
    return language.hiddenStates(x, cache: cache) { layer, h in
      guard let k = self.configuration.synchronizedLayers.firstIndex(of: layer) else {
        return h
      }
      if self.configuration.decoderImageReader == .crossAttention {
        return self.decoderCrossAttentions[k](h, maps: maps, visible: visible)
      }
      return self.decoderSynchronizers[k](h, maps: maps, visible: visible)
    }
  }

  // MARK: end
  // MARK: book:interleaved-embed
  /// Token embeddings with each image's K visual tokens in its slots and the learned
  /// vector added at every `<img>`: [B, P, C].
  public func embed(
    _ sequences: [PackedSequence], images: EncodedImages, positions range: Range<Int>
  ) -> Tensor {
    let (b, p, k) = (sequences.count, range.count, configuration.visualTokens)
    let width = language.configuration.width
    let text = language.embedding(sequences.flatMap { $0.tokens[range] })  // [B·P, C]
    let visual = images.tokens.reshaped([images.count * k, width])  // [I·K, C]
    // Row b·P + i of the table is position i of sequence b; row B·P + g·K + s is slot s
    // of image g.
    var rows = Array(0..<(b * p))
    for (s, offset) in zip(sequences.indices, imageOffsets(sequences)) {
      for (n, slot) in sequences[s].slotPositions.enumerated()
      where range.contains(slot) {
        rows[s * p + slot - range.lowerBound] = b * p + offset * k + n
      }
    }
    let table = images.count > 0 ? Tensor.concatenate([text, visual], axis: 0) : text
    let tokens = table.gatherRows(rows, indexShape: [b, p])  // [B, P, C]
    let opens = sequences.flatMap { sequence in
      range.map { sequence.tokens[$0] == sequence.special.beginImage ? Float(1) : 0 }
    }
    return tokens + Tensor(shape: [b, p, 1], data: opens) * beginImageVector
  }

  // MARK: end
  // MARK: book:interleaved-decoder-maps
  /// The maps the decoder's MMFS reads, [B, N, C_v, H, W] per level (N: the most
  /// images a sequence holds, at least one; missing images are zero and never visible),
  /// and which images each position sees, [B, P, N].
  public func decoderMaps(
    _ sequences: [PackedSequence], images: EncodedImages, positions range: Range<Int>
  ) -> (maps: [Tensor], visible: [Bool]) {
    let n = max(1, sequences.map(\.imageCount).max()!)
    var picks: [Int?] = [], visible: [Bool] = []
    for (sequence, offset) in zip(sequences, imageOffsets(sequences)) {
      let count = sequence.imageCount
      picks += (0..<n).map { $0 < count ? offset + $0 : nil }
      let rows = sequence.visibility  // [T, count]
      for t in range {
        var row = (0..<n).map { $0 < count && rows[t * count + $0] }
        let latest = row.lastIndex(of: true)
        if !configuration.decoderReadsEarlierImages, let latest {
          row = row.indices.map { $0 == latest }  // the most recent image only
        }
        visible += row
      }
    }
    let maps = configuration.decoderLevels.map {
      pickRows(images.maps[$0], picks, shape: [sequences.count, n])
    }
    return (maps, visible)
  }
  // MARK: end

  // MARK: book:interleaved-text-loss
  /// Next-token cross-entropy over the targets the packing left (PackedSequence
  /// `textTargets`: no padding, slots, `<s>`, …).
  public func textLoss(_ states: Tensor, _ sequences: [PackedSequence]) -> Tensor {
    let logits = language.head(states)  // [B, T, V]
    return crossEntropy(
      logits, targets: sequences.flatMap { $0.textTargets() }, ignoreIndex: -1)
  }
  // MARK: end

  // MARK: book:interleaved-image-loss
  /// The image decoder's ε-loss, averaged over all the batch's images with those that
  /// have no context counting zero (upstream's `is_cond_image`); the U-Net runs only on
  /// the others.
  public func imageLoss(
    _ states: Tensor, _ batch: InterleavedBatch, _ images: EncodedImages,
    using generator: inout SeededGenerator
  ) -> (loss: Tensor, conditioned: Int) {
    let picked = conditionedImages(batch.sequences)
    guard !picked.isEmpty else { return (Tensor.zeros([]), 0) }
    let context = configuration.imageLossTrainsDecoder ? states : states.detached()
    let conditions = self.conditions(context, batch.sequences, picked)  // [n, S, C]
    let previous = previousImageMaps(batch.sequences, images, picked)
    let clean = pickRows(batch.images, picked.map(\.index), shape: [picked.count])
    let mse = diffusion.loss(
      clean * 2 - 1, conditions: conditions,
      hook: unetHook(maps: previous.maps, hasPrevious: previous.hasPrevious),
      using: &generator)
    return (mse * (Float(picked.count) / Float(images.count)), picked.count)
  }
  // MARK: end

  /// The image decoder as Chapter 7's diffusion model: the U-Net, its schedule, the
  /// learned null condition and the rate at which training drops the condition.
  public var diffusion: DiffusionModel {
    DiffusionModel(
      net: unet, schedule: schedule, nullCondition: nullCondition,
      dropProbability: configuration.conditionDropProbability,
      target: configuration.diffusionTarget)
  }

  // MARK: book:interleaved-condition
  /// Each picked image's condition for the U-Net's cross-attention, [n, S, C]: the
  /// decoder states from its document's `<s>` through its `<img>`, nearest first,
  /// projected, given 1-D sine–cosine positions (the code Chapter 7 gives timesteps),
  /// and resampled to S tokens with the padding hidden.
  public func conditions(
    _ states: Tensor, _ sequences: [PackedSequence], _ picked: [ImageReference]
  ) -> Tensor {
    let (b, t, c) = (states.shape[0], states.shape[1], states.shape[2])
    let spans = picked.map { image in
      sequences[image.sequence].conditionSpan(ofImage: image.image)
        .map { image.sequence * t + $0 }
    }
    let longest = spans.map(\.count).max()!
    let rows = spans.flatMap { span in
      (0..<longest).map { $0 < span.count ? span[$0] : nil }
    }
    let context = pickRows(
      states.reshaped([b * t, c]), rows, shape: [picked.count, longest])  // [n, L, C]
    let placed = conditionProjection(context)
      + timestepEmbedding(Array(0..<longest), width: c)  // [n, L, C]
    let real = spans.flatMap { span in (0..<longest).map { $0 < span.count } }
    return conditionResampler(placed, mediaMask: real)  // [n, S, C]
  }

  // MARK: end
  // MARK: book:interleaved-previous
  /// The maps of each picked image's previous image in its document, [n, 1, C_v, H, W]
  /// per level (zero where there is none), and whether there is one.
  public func previousImageMaps(
    _ sequences: [PackedSequence], _ images: EncodedImages, _ picked: [ImageReference]
  ) -> (maps: [Tensor], hasPrevious: [Bool]) {
    let previous: [Int?] = picked.map { image in
      let documents = sequences[image.sequence].imageDocuments
      let j = image.image
      return j > 0 && documents[j - 1] == documents[j] ? image.index - 1 : nil
    }
    let maps = images.maps.map { pickRows($0, previous, shape: [picked.count, 1]) }
    return (maps, previous.map { $0 != nil })
  }

  // MARK: end
  // MARK: book:interleaved-unet-hook
  /// MMFS at every hook site of the U-Net. Under guidance the U-Net runs a doubled
  /// batch; both halves read the same previous image.
  public func unetHook(maps: [Tensor], hasPrevious: [Bool]) -> UNetHook? {
    guard configuration.unetSynchronizes else { return nil }  // Table 6(c)'s ablation
    let blocks = unetSynchronizers
    let levels = configuration.unet.channels.count
    return { site, features in
      // Under guidance both halves read the same maps: [copies·n, 1, C_v, H, W]. In
      // training copies is 1 and the maps pass as they are, uncopied.
      let copies = features.shape[0] / hasPrevious.count
      let tiled = copies == 1 ? maps : maps.map { map in
        Tensor.concatenate(Array(repeating: map, count: copies), axis: 0)
      }
      let flags = Array(Array(repeating: hasPrevious, count: copies).joined())
      let block: UNetSynchronizer
      switch site {
      case .skip(let level): block = blocks[level]
      case .middle: block = blocks[levels]
      }
      return block(features, maps: tiled, hasPrevious: flags)
    }
  }
  // MARK: end
}

/// Where each sequence's images start in the list of the batch's images.
func imageOffsets(_ sequences: [PackedSequence]) -> [Int] {
  Array(sequences.reduce(into: [0]) { $0.append($0.last! + $1.imageCount) }.dropLast())
}

/// An image of a batch: its sequence, its number there, and its index in the batch.
public struct ImageReference: Sendable, Equatable {
  public let sequence: Int, image: Int, index: Int

  public init(sequence: Int, image: Int, index: Int) {
    (self.sequence, self.image, self.index) = (sequence, image, index)
  }
}

/// The images of `sequences` that have context enough to train the image decoder
/// (`isConditioned`), in batch order.
public func conditionedImages(_ sequences: [PackedSequence]) -> [ImageReference] {
  zip(sequences.indices, imageOffsets(sequences)).flatMap { s, offset in
    (0..<sequences[s].imageCount).filter { sequences[s].isConditioned(image: $0) }
      .map { ImageReference(sequence: s, image: $0, index: offset + $0) }
  }
}

/// Rows of `x` ([R, …]) picked by index into a tensor of `shape` + x's trailing axes;
/// nil picks a row of zeros (padding). Gradients flow back to the picked rows.
func pickRows(_ x: Tensor, _ picks: [Int?], shape: [Int]) -> Tensor {
  let rows = x.shape[0]
  let trailing = Array(x.shape.dropFirst())
  let width = trailing.reduce(1, *)
  let flat = x.reshaped([rows, width])  // [R, X]
  let needsZero = picks.contains(nil)
  let table =
    !needsZero ? flat
    : rows == 0 ? Tensor.zeros([1, width])
    : Tensor.concatenate([flat, Tensor.zeros([1, width])], axis: 0)  // [R + 1, X]
  return table.gatherRows(picks.map { $0 ?? rows }, indexShape: shape)
    .reshaped(shape + trailing)
}
