import Autograd
import Diffusion
import Interleaved
import Layers
import Notebook
import Synchronizer

extension Bench {
  /// The whole MMI-Tiny training step at DESIGN §8's size: 8 sequences of 128 tokens
  /// holding 16 images (two per sequence, each with text before it, so the U-Net draws
  /// all 16), then each part alone, forward and backward, on inputs of the shapes the
  /// step gives it. What the parts leave of the step is the glue (gathers, masks,
  /// losses, the autograd graph).
  func interleavedBench() {
    var generator = SeededGenerator(seed: 14)
    let vocabulary = 487
    let model = MMInterleaved(
      InterleavedConfiguration(vocabularySize: vocabulary), using: &generator)
    let batch = benchBatch(vocabulary: vocabulary, using: &generator)
    let optimizer = AdamW([ParameterGroup(model.namedParameters, weightDecay: 0.01)])
    func step() {
      var draws = SeededGenerator(seed: 15)
      model.loss(batch, using: &draws).total.backward()
      optimizer.step(learningRate: 1e-4)
      optimizer.zeroGrad()
    }
    step()  // warm-up: first-touch allocations
    let whole = bestSeconds(repeats: repeats, step)
    let flops = Double(MatrixWork.measure(step))
    let bytes = TensorAllocations.measure(step)
    let peak = sgemmPeak()
    print("MMI-Tiny training step (8 × 128 tokens, 16 images, \(model.parameterCount)"
          + " parameters):")
    print(
      "  whole step: \(formattedDuration(whole)) · matrix multiplies "
        + "\(gf(flops / whole)) GFLOP/s of a \(gf(peak)) GFLOP/s sgemm peak ("
        + formatted(100 * flops / whole / peak, significantDigits: 2) + " %) · "
        + formatted(Double(bytes) / 1_048_576, significantDigits: 4)
        + " MB of tensors per step")
    let parts = partTimes(model, batch, optimizer, using: &generator)
    print("  " + "part (alone)".padded(44) + "time".padded(12, left: true)
          + "share".padded(9, left: true))
    for (name, seconds) in parts + [("glue (the step less its parts)",
                                     whole - parts.reduce(0) { $0 + $1.1 })] {
      print(
        "  " + name.padded(44) + formattedDuration(seconds).padded(12, left: true)
          + (formatted(100 * seconds / whole, significantDigits: 2) + " %")
          .padded(9, left: true))
    }
    print("")
  }

  /// Eight sequences, each one document: text, an image, text, an image, text (8
  /// slots per image), 128 tokens; random ids, random images.
  func benchBatch(
    vocabulary: Int, using generator: inout SeededGenerator
  ) -> InterleavedBatch {
    let special = SpecialTokens(
      padding: 256, beginning: 257, end: 258, beginImage: 259, imageSlot: 260)
    func text(_ count: Int) -> DocumentItem {
      .text((0..<count).map { _ in generator.nextInt(below: 256) })
    }
    let sequences = (0..<8).map { _ in
      try! PackedSequence.pack(
        [SequenceDocument([text(30), .image, text(30), .image, text(30)])],
        slotsPerImage: 8, length: 128, special: special)
    }
    return InterleavedBatch(
      sequences: sequences, images: Tensor.uniform([16, 3, 32, 32], using: &generator))
  }

  /// The best time of each part alone, forward and backward (the frozen encoder:
  /// forward only), on inputs shaped as in the step.
  func partTimes(
    _ model: MMInterleaved, _ batch: InterleavedBatch, _ optimizer: AdamW,
    using generator: inout SeededGenerator
  ) -> [(String, Double)] {
    let c = model.configuration
    // Encoded once, without gradients, so that each part's backward stops at its own
    // inputs (the visual tokens would otherwise carry the resampler's graph along).
    let images = withoutGradient { model.encode(batch.images) }
    let states = Tensor.normal([8, 128, c.language.width], using: &generator)
    func timed(_ body: () -> Tensor) -> Double {
      bestSeconds(repeats: repeats) {
        body().sum().backward()
        model.zeroGrad()
      }
    }
    let vitTokens = withoutGradient { model.encoder.vit(batch.images) }  // [16, 64, 64]
    let (maps, visible) = withoutGradient {
      model.decoderMaps(batch.sequences, images: images, positions: 0..<128)
    }
    let picked = conditionedImages(batch.sequences)
    let previous = withoutGradient {
      model.previousImageMaps(batch.sequences, images, picked)
    }
    let targets = batch.sequences.flatMap { $0.textTargets() }
    let noisy = Tensor.normal([16, 3, 32, 32], using: &generator)
    let context = Tensor.normal(
      [16, c.conditionTokens, c.language.width], using: &generator)
    let timesteps = (0..<16).map { _ in generator.nextInt(below: c.diffusionSteps) }
    var sites: [Tensor] = []
    _ = withoutGradient {
      model.unet(noisy, timesteps: timesteps, context: context) { _, features in
        sites.append(features)
        return features
      }
    }
    return [
      ("image encoder (frozen: forward only)",
       bestSeconds(repeats: repeats) {
         _ = withoutGradient { model.encoder(batch.images) }
       }),
      ("visual resampler and projection", timed {
        model.visualProjection(model.visualResampler(vitTokens))
      }),
      ("decoder without MMFS, with its loss", timed {
        let x = model.embed(batch.sequences, images: images, positions: 0..<128)
        return crossEntropy(
          model.language.head(model.language.hiddenStates(x)), targets: targets,
          ignoreIndex: -1)
      }),
      ("MMFS in the decoder (2 layers)", timed {
        model.decoderSynchronizers.map { $0(states, maps: maps, visible: visible) }
          .reduce(Tensor.zeros([1]), +)
      }),
      ("condition path (16 images)", timed {
        model.conditions(states, batch.sequences, picked)
      }),
      ("U-Net without MMFS (16 images)", timed {
        model.unet(noisy, timesteps: timesteps, context: context)
      }),
      ("MMFS in the U-Net (4 sites, 16 images)", timed {
        zip(model.unetSynchronizers, sites).map { block, features in
          block(features, maps: previous.maps, hasPrevious: previous.hasPrevious).sum()
        }.reduce(Tensor.zeros([]), +)
      }),
      ("optimiser (AdamW, every parameter)", optimiserTime(model, batch, optimizer)),
    ]
  }

  /// AdamW's update alone, with every gradient present.
  func optimiserTime(
    _ model: MMInterleaved, _ batch: InterleavedBatch, _ optimizer: AdamW
  ) -> Double {
    var draws = SeededGenerator(seed: 16)
    model.loss(batch, using: &draws).total.backward()
    let seconds = bestSeconds(repeats: repeats) { optimizer.step(learningRate: 1e-4) }
    optimizer.zeroGrad()
    return seconds
  }

  /// The best rate of a 512³ sgemm on this run's threads: the yardstick for GFLOP/s.
  func sgemmPeak() -> Double {
    let size = 512
    var generator = SeededGenerator(seed: 17)
    let a = Tensor.normal([size, size], using: &generator)
    let b = Tensor.normal([size, size], using: &generator)
    var c = [Float](repeating: 0, count: size * size)
    let seconds = bestSeconds(repeats: repeats) {
      sgemm(false, false, size, size, size, a.data, b.data, &c)
    }
    return 2 * Double(size * size * size) / seconds
  }
}
