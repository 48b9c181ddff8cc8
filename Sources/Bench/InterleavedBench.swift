import Autograd
import Diffusion
import Interleaved
import Language
import Layers
import Notebook
import Platform
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
    let batch = InterleavedBatch.benchmark(using: &generator)
    let optimizer = AdamW([ParameterGroup(model.namedParameters, weightDecay: 0.01)])
    func step() {
      var draws = SeededGenerator(seed: 15)
      model.loss(batch, using: &draws).total.backward()
      OperationProfile.charge("AdamW step") {
        optimizer.step(learningRate: 1e-4)
        optimizer.zeroGrad()
      }
    }
    step()  // warm-up: first-touch allocations
    let flops = Double(MatrixWork.measure(step))
    let bytes = TensorAllocations.measure(step)
    let peak = sgemmPeak()
    // The step and its parts are timed in turn, round after round: a busy spell on
    // the machine then hurts all alike. The table prints each one's best; the JSON
    // figures are medians, as the PyTorch peer reports.
    let parts = partWork(model, batch, optimizer, using: &generator)
    var samples = [[Double]](repeating: [], count: parts.count + 1)
    for _ in 0..<repeats {
      samples[0].append(secondsTaken(step))
      for (k, part) in parts.enumerated() {
        samples[k + 1].append(secondsTaken(part.run))
      }
    }
    let best = samples.map { $0.min()! }
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
    printOperationProfile(step)
    let log = FigureLog.shared
    log.record("whole step", 1000 * median(samples[0]), unit: "ms")
    for (part, times) in zip(parts, samples.dropFirst()) {
      log.record(part.key, 1000 * median(times), unit: "ms")
    }
    log.record("sgemm 512", peak / 1e9, unit: "GFLOP/s")
    log.record("step GEMM rate", flops / median(samples[0]) / 1e9, unit: "GFLOP/s")
    log.record("tensors per step", Double(bytes) / 1_048_576, unit: "MB")
    generationBench(model, using: &generator)
    log.record("peak RSS", peakResidentMegabytes(), unit: "MB")
    print("")
  }

  /// DDIM-50 with guidance for one image whose document holds an earlier image (so
  /// the U-Net's MMFS reads it), its condition computed from the decoder first; and 64
  /// tokens decoded one at a time through the key–value cache after a 41-token prompt
  /// holding one image. The peer times the same two.
  func generationBench(_ model: MMInterleaved, using generator: inout SeededGenerator) {
    let vocabulary = model.language.configuration.vocabularySize
    let special = SpecialTokens(
      padding: 256, beginning: 257, end: 258, beginImage: 259, imageSlot: 260)
    func text(_ count: Int) -> DocumentItem {
      .text((0..<count).map { _ in generator.nextInt(below: 256) })
    }
    let drawing = try! PackedSequence.pack(
      [SequenceDocument([text(20), .image, text(11), .image])], slotsPerImage: 8,
      length: 64, special: special)
    let writing = try! PackedSequence.pack(
      [SequenceDocument([text(20), .image, text(75)])], slotsPerImage: 8,
      length: 128, special: special)
    let pictures = Tensor.uniform([2, 3, 32, 32], using: &generator)
    let ddim = (0..<max(2, repeats / 2)).map { _ in
      secondsTaken {
        var draws = SeededGenerator(seed: 21)
        _ = withoutGradient {
          let images = model.encode(pictures)
          let states = model.decoderStates([drawing], images: images)
          let picked = Array(conditionedImages([drawing]).suffix(1))
          let conditions = model.conditions(states, [drawing], picked)
          let previous = model.previousImageMaps([drawing], images, picked)
          return model.diffusion.sample(
            conditions: conditions, height: 32, width: 32, steps: 50, guidance: 3,
            hook: model.unetHook(maps: previous.maps, hasPrevious: previous.hasPrevious),
            using: &draws)
        }
      }
    }
    let prompt = 41
    let tokens = (0..<max(3, repeats)).map { _ in
      secondsTaken {
        withoutGradient {
          let images = model.encode(pictures.sliced(axis: 0, 0..<1))
          let cache = KeyValueCache(layers: model.language.configuration.layers)
          var states = model.decoderStates(
            [writing], images: images, positions: 0..<prompt, cache: cache)
          for position in prompt..<(prompt + 64) {
            let last = states.sliced(axis: 1, (states.shape[1] - 1)..<states.shape[1])
            let logits = model.language.head(last)  // [1, 1, V]: the next token's
            precondition(logits.shape == [1, 1, vocabulary])
            states = model.decoderStates(
              [writing], images: images, positions: position..<(position + 1),
              cache: cache)
          }
        }
      }
    }
    print("  DDIM-50 with guidance, one 32² image (condition and MMFS included): "
          + formattedDuration(ddim.min()!))
    print("  64 tokens through the key–value cache after a 41-token prompt: "
          + formattedDuration(tokens.min()!))
    FigureLog.shared.record("DDIM-50 guided", 1000 * median(ddim), unit: "ms")
    FigureLog.shared.record("64 cached tokens", 1000 * median(tokens), unit: "ms")
  }

  /// Eight sequences, each one document: text, an image, text, an image, text (8
  /// slots per image), 128 tokens; random ids, random images.
  /// Each part alone, forward and backward (the frozen encoder: forward only), on
  /// inputs shaped as in the step.
  func partWork(
    _ model: MMInterleaved, _ batch: InterleavedBatch, _ optimizer: AdamW,
    using generator: inout SeededGenerator
  ) -> [(name: String, key: String, run: () -> Void)] {
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
      ("image encoder (frozen: forward only)", "image encoder",
       { _ = withoutGradient { model.encoder(batch.images) } }),
      ("visual resampler and projection", "visual resampler", backward {
        model.visualProjection(model.visualResampler(vitTokens))
      }),
      ("decoder without MMFS, with its loss", "decoder", backward {
        let x = model.embed(batch.sequences, images: images, positions: 0..<128)
        return crossEntropy(
          model.language.head(model.language.hiddenStates(x)), targets: targets,
          ignoreIndex: -1)
      }),
      ("MMFS in the decoder (2 layers)", "decoder MMFS", backward {
        model.decoderSynchronizers.map { $0(states, maps: maps, visible: visible) }
          .reduce(Tensor.zeros([1]), +)
      }),
      ("condition path (16 images)", "condition path", backward {
        model.conditions(states, batch.sequences, picked)
      }),
      ("U-Net without MMFS (16 images)", "U-Net", backward {
        model.unet(noisy, timesteps: timesteps, context: context)
      }),
      ("MMFS in the U-Net (4 sites, 16 images)", "U-Net MMFS", backward {
        zip(model.unetSynchronizers, sites).map { block, features in
          block(features, maps: previous.maps, hasPrevious: previous.hasPrevious).sum()
        }.reduce(Tensor.zeros([]), +)
      }),
      ("optimiser (AdamW, every parameter)", "optimiser", {
        optimizer.step(learningRate: 1e-4)
      }),
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

extension Bench {
  /// The step's time per operation (the engine's profiler), the slowest 16, from the
  /// fastest of a few profiled steps.
  func printOperationProfile(_ step: () -> Void) {
    let profiles = (0..<Swift.max(repeats / 2, 1)).map { _ in
      OperationProfile.measure(step)
    }
    let profile = profiles.min { total($0) < total($1) }!
    let whole = total(profile)
    print("  " + "operation (one step, by the engine's profiler)".padded(44)
          + "calls".padded(7, left: true) + "forward".padded(11, left: true)
          + "backward".padded(11, left: true) + "share".padded(8, left: true))
    for entry in profile.prefix(16) {
      print(
        "  " + entry.operation.padded(44) + "\(entry.calls)".padded(7, left: true)
          + formattedDuration(entry.forwardSeconds).padded(11, left: true)
          + formattedDuration(entry.backwardSeconds).padded(11, left: true)
          + (formatted(100 * entry.seconds / whole, significantDigits: 2) + " %")
          .padded(8, left: true))
    }
    print("  (\(profile.count) operations in all, \(formattedDuration(whole)) profiled)")
  }

  private func total(_ profile: [OperationTime]) -> Double {
    profile.reduce(0) { $0 + $1.seconds }
  }
}
