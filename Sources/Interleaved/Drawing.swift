import Autograd
import Diffusion

// MARK: book:interleaved-draw
extension MMInterleaved {
  /// Draws the last image of each document: the U-Net, conditioned on the decoder's
  /// states up to that image's `<img>` and reading the document's previous image
  /// through MMFS, samples it with DDIM. `images` holds each document's earlier images,
  /// in order ([3, H, W] each, values in [0, 1]); returns the drawn images [D, 3, H, W]
  /// in [0, 1].
  public func drawLastImages(
    of documents: [SequenceDocument], images: [[Tensor]], special: SpecialTokens,
    steps: Int = 25, guidance: Float = 3, using generator: inout SeededGenerator
  ) throws -> Tensor {
    let c = configuration
    require(
      documents.count == images.count && !documents.isEmpty, "drawLastImages",
      "one list of earlier images per document, got \(images.count) for "
        + "\(documents.count) documents")
    let length = documents.map { $0.tokenCount(slotsPerImage: c.visualTokens) }.max()!
    let sequences = try documents.map { document in
      try PackedSequence.pack(
        [document], slotsPerImage: c.visualTokens, length: length, special: special)
    }
    // The image being drawn is a blank placeholder: causal attention keeps its slots
    // out of every state up to its <img>, the only states its condition reads.
    let blank = Tensor.zeros([3, c.unetSide, c.unetSide])
    var all: [Tensor] = []
    var picked: [ImageReference] = []
    for (s, sequence) in sequences.enumerated() {
      let earlier = images[s]
      require(
        sequence.imageCount == earlier.count + 1, "drawLastImages",
        "document \(s) has \(sequence.imageCount) images; give the \(earlier.count) "
          + "before its last")
      let index = all.count + earlier.count
      picked.append(ImageReference(sequence: s, image: earlier.count, index: index))
      all += earlier + [blank]
    }
    return withoutGradient {
      let encoded = encode(Tensor.stack(all))
      let states = decoderStates(sequences, images: encoded)  // [D, T, C]
      return draw(
        picked, states: states, sequences: sequences, images: encoded, steps: steps,
        guidance: guidance, using: &generator)
    }
  }

  /// Samples the `picked` images with DDIM: each conditioned on the decoder's `states`
  /// ([B, T, C], at least up to its `<img>`) and reading its document's previous image
  /// in `images` through the U-Net's MMFS. Returns [n, 3, H, W] in [0, 1]. `progress`
  /// hears of each denoising step done, and of how many there are.
  public func draw(
    _ picked: [ImageReference], states: Tensor, sequences: [PackedSequence],
    images: EncodedImages, steps: Int = 25, guidance: Float = 3,
    using generator: inout SeededGenerator,
    progress: ((_ done: Int, _ of: Int) -> Void)? = nil
  ) -> Tensor {
    withoutGradient {
      let side = configuration.unetSide
      let conditions = self.conditions(states, sequences, picked)  // [n, S, C]
      let previous = previousImageMaps(sequences, images, picked)
      let drawn = diffusion.sample(
        conditions: conditions, height: side, width: side, steps: steps,
        guidance: guidance,
        hook: unetHook(maps: previous.maps, hasPrevious: previous.hasPrevious),
        using: &generator, observe: progress.map { report in
          var done = 0
          return { _, _, _ in
            done += 1
            report(done, steps)
          }
        })  // [n, 3, H, W] in [-1, 1]
      let pixels = drawn.data.map { min(max(($0 + 1) / 2, 0), 1) }
      return Tensor(shape: drawn.shape, data: pixels)
    }
  }
}
// MARK: end
