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
    let flops = Double(MatrixWork.measure(step))
    let bytes = TensorAllocations.measure(step)
    let peak = sgemmPeak()
    // The step and its parts are timed in turn, round after round, each keeping its
    // best: a busy spell on the machine then hurts all alike.
    let parts = partWork(model, batch, optimizer, using: &generator)
    var best = [Double](repeating: .infinity, count: parts.count + 1)
    for _ in 0..<repeats {
      best[0] = min(best[0], secondsTaken(step))
      for (k, part) in parts.enumerated() {
        best[k + 1] = min(best[k + 1], secondsTaken(part.run))
      }
    }
    let whole = best[0]
    print("MMI-Tiny training step (8 × 128 tokens, 16 images, \(model.parameterCount)"
          + " parameters):")
    print(
      "  whole step: \(formattedDuration(whole)) · matrix multiplies "
        + "\(gf(flops / whole)) GFLOP/s of a \(gf(peak)) GFLOP/s sgemm peak ("
        + formatted(100 * flops / whole / peak, significantDigits: 2) + " %) · "
        + formatted(Double(bytes) / 1_048_576, significantDigits: 4)
        + " MB of tensors per step")
    print("  " + "part (alone, forward and backward)".padded(44)
          + "time".padded(12, left: true) + "share".padded(9, left: true))
    let rest = whole - best.dropFirst().reduce(0, +)
    for (name, seconds) in zip(parts.map(\.name), best.dropFirst())
      + [("the rest (gathers, masks, losses, graph)", rest)]
    {
      print(
        "  " + name.padded(44) + formattedDuration(seconds).padded(12, left: true)
          + (formatted(100 * seconds / whole, significantDigits: 2) + " %")
          .padded(9, left: true))
    }
    if rest < 0 {
      print("  (the parts alone take longer than in the step: the step overlaps no"
            + " work, so this is the machine's noise)")
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

  /// Each part alone, forward and backward (the frozen encoder: forward only), on
  /// inputs shaped as in the step.
  func partWork(
    _ model: MMInterleaved, _ batch: InterleavedBatch, _ optimizer: AdamW,
    using generator: inout SeededGenerator
  ) -> [(name: String, run: () -> Void)] {
    let c = model.configuration
    // Encoded once, without gradients, so that each part's backward stops at its own
    // inputs (the visual tokens would otherwise carry the resampler's graph along).
    let images = withoutGradient { model.encode(batch.images) }
    let states = Tensor.normal([8, 128, c.language.width], using: &generator)
    // Gradients are left to accumulate (as costly as the first one): the optimiser,
    // last of the parts, then has one for every parameter to update.
    func backward(_ body: @escaping () -> Tensor) -> () -> Void {
      { body().sum().backward() }
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
       { _ = withoutGradient { model.encoder(batch.images) } }),
      ("visual resampler and projection", backward {
        model.visualProjection(model.visualResampler(vitTokens))
      }),
      ("decoder without MMFS, with its loss", backward {
        let x = model.embed(batch.sequences, images: images, positions: 0..<128)
        return crossEntropy(
          model.language.head(model.language.hiddenStates(x)), targets: targets,
          ignoreIndex: -1)
      }),
      ("MMFS in the decoder (2 layers)", backward {
        model.decoderSynchronizers.map { $0(states, maps: maps, visible: visible) }
          .reduce(Tensor.zeros([1]), +)
      }),
      ("condition path (16 images)", backward {
        model.conditions(states, batch.sequences, picked)
      }),
      ("U-Net without MMFS (16 images)", backward {
        model.unet(noisy, timesteps: timesteps, context: context)
      }),
      ("MMFS in the U-Net (4 sites, 16 images)", backward {
        zip(model.unetSynchronizers, sites).map { block, features in
          block(features, maps: previous.maps, hasPrevious: previous.hasPrevious).sum()
        }.reduce(Tensor.zeros([]), +)
      }),
      ("optimiser (AdamW, every parameter)", { optimizer.step(learningRate: 1e-4) }),
    ]
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
