import Autograd
import Diffusion
import Language
import Layers
import Synchronizer
import Testing

@testable import Interleaved

/// The whole model at a size a gradient check can afford: a 1-layer ViT of width 16,
/// 2 visual tokens, a 3-layer decoder of width 16 with MMFS in layers 0 and 2, 2
/// condition tokens, an 8-channel U-Net; a vocabulary of 12 with the structural tokens
/// first.
enum TinyModel {
  static let special = SpecialTokens(
    padding: 0, beginning: 1, end: 2, beginImage: 3, imageSlot: 4)

  static var configuration: InterleavedConfiguration {
    InterleavedConfiguration.tiny(vocabularySize: 12)
  }

  /// Two sequences of 18 tokens. The first packs a two-image document (text, image,
  /// text, image) and a document that opens with an image; the second, a caption
  /// document: image, then text.
  static func sequences() throws -> [PackedSequence] {
    let first = try PackedSequence.pack(
      [
        SequenceDocument([.text([5, 6]), .image, .text([7]), .image]),
        SequenceDocument([.image, .text([8])]),
      ], slotsPerImage: 2, length: 18, special: special)
    let second = try PackedSequence.pack(
      [SequenceDocument([.image, .text([9, 10, 11])], trainsTextBeforeFirstImage: false)],
      slotsPerImage: 2, length: 18, special: special)
    return [first, second]
  }

  static func batch(seed: UInt64 = 11) throws -> InterleavedBatch {
    var g = SeededGenerator(seed: seed)
    return InterleavedBatch(
      sequences: try sequences(),
      images: Tensor.uniform([4, 3, 32, 32], using: &g))  // 3 + 1 images
  }

  /// Opens what initialisation closes (the decoder's gates, the U-Net's zero
  /// convolutions, the whisper-sized visual projection), as training would.
  static func open(_ model: MMInterleaved, seed: UInt64 = 3) {
    var g = SeededGenerator(seed: seed)
    for block in model.decoderSynchronizers { block.gate.assign([0.7]) }
    let opened =
      model.unetSynchronizers.flatMap { $0.output.parameters }
      + model.visualProjection.parameters + [model.beginImageVector]
    for p in opened { p.assign((0..<p.count).map { _ in g.uniform(-0.5, 0.5) }) }
  }
}

@Suite("MM-Interleaved: the whole model and its joint loss")
struct ModelTests {
  @Test func lossesAndShapes() throws {
    var g = SeededGenerator(seed: 1)
    let model = MMInterleaved(TinyModel.configuration, using: &g)
    let batch = try TinyModel.batch()
    let images = model.encode(batch.images)
    #expect(images.tokens.shape == [4, 2, 16])
    #expect(images.maps.map(\.shape) == [[4, 64, 16, 16], [4, 64, 8, 8], [4, 64, 4, 4]])
    #expect(model.decoderStates(batch.sequences, images: images).shape == [2, 18, 16])
    let loss = withoutGradient { model.loss(batch, using: &g) }
    // Conditioned: the first document's two images (the others open their document,
    // so their context is <s> and <img> alone).
    #expect(loss.conditionedImages == 2)
    #expect(loss.text.item > 1 && loss.image.item > 0)
    let expected = loss.text.item + 2 * loss.image.item
    #expect(Swift.abs(loss.total.item - expected) < 1e-5 * expected)
  }

  @Test func theImageLossCanBeKeptFromTheDecoder() throws {
    let batch = try TinyModel.batch()
    for trains in [true, false] {
      var configuration = TinyModel.configuration
      configuration.imageLossTrainsDecoder = trains
      var g = SeededGenerator(seed: 2)
      let model = MMInterleaved(configuration, using: &g)
      model.loss(batch, using: &g).image.backward()
      let decoderGradient = model.language.namedParameters.contains {
        $0.tensor.gradValues?.contains { $0 != 0 } ?? false
      }
      #expect(decoderGradient == trains)
      #expect(model.conditionResampler.latents.gradValues != nil)
    }
  }

  /// Every part of the model receives a gradient, and it is the right one: two values
  /// of one or more tensors of each part, against central differences, on the joint
  /// loss with the gates open and the encoder trainable. Float32 rounding of a loss
  /// averaged over 6,144 squared errors puts about 1e-4 of noise into a numeric
  /// derivative (measured), a tenth of the absolute tolerance; the check fails when
  /// the gather that places visual tokens, maps and condition states passes back 90 %
  /// of its gradient (tried).
  @Test func gradientCheckOfTheWholeModel() throws {
    var configuration = TinyModel.configuration
    configuration.trainsEncoder = true
    configuration.conditionDropProbability = 0.5  // one image dropped, one kept
    var g = SeededGenerator(seed: 4)
    let model = MMInterleaved(configuration, using: &g)
    TinyModel.open(model)
    // Initialised at N(0, 0.02), a step of ε = 0.01 would be half of such a value:
    // finite differences need values of the size training gives them.
    for p in [
      model.language.embedding.table, model.visualResampler.latents,
      model.conditionResampler.latents, model.nullCondition,
    ] {
      p.assign((0..<p.count).map { _ in g.uniform(-0.6, 0.6) })
    }
    let batch = try TinyModel.batch()
    let checked = [
      "encoder.vit.finalNorm.bias", "encoder.pyramid.fuse8.bias",
      "visualResampler.latents", "visualProjection.weight", "beginImageVector",
      "language.embedding.table", "language.blocks.1.attention.value.weight",
      "language.head.weight", "decoderSynchronizers.0.gate",
      "decoderSynchronizers.1.gate",
      "decoderSynchronizers.0.queryNorm.weight", "decoderSynchronizers.1.mapNorm.weight",
      "decoderSynchronizers.0.synchronizer.samplingOffsets.bias",
      "decoderSynchronizers.1.synchronizer.attentionLogits.weight",
      "decoderSynchronizers.0.synchronizer.valueProjection.weight",
      "conditionProjection.weight", "conditionResampler.latents", "nullCondition",
      "unet.input.weight", "unet.middleAttention.attention.key.weight",
      "unet.output.bias",
      "unetSynchronizers.0.output.projection.weight",
      "unetSynchronizers.1.output.projection.weight",
      "unetSynchronizers.2.output.projection.weight",
      "unetSynchronizers.3.output.projection.weight",
      "unetSynchronizers.0.queryNorm.weight", "unetSynchronizers.3.mapNorm.bias",
      "unetSynchronizers.2.synchronizer.samplingOffsets.bias",
    ]
    let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters)
    let inputs = checked.map { parameters[$0]! }
    func loss(_: [Tensor]) -> Tensor {
      var r = SeededGenerator(seed: 22)  // drops one condition of two
      return model.loss(batch, using: &r).total
    }
    // Non-zero: every checked tensor has some gradient.
    loss(inputs).backward()
    for (name, tensor) in zip(checked, inputs) {
      #expect(tensor.gradValues?.contains { $0 != 0 } == true, "no gradient for \(name)")
    }
    model.zeroGrad()
    let report = checkGradients(at: inputs, sampledValues: 2, using: &g, loss)
    #expect(report.passed, "\(report)")
  }

  /// At initialisation the gates are shut: the decoder computes exactly what the plain
  /// decoder computes from the same embeddings, and the U-Net exactly what the plain
  /// U-Net computes (MMFS must not disturb pre-trained parts).
  @Test func closedGatesLeaveThePretrainedPartsUnchanged() throws {
    var g = SeededGenerator(seed: 5)
    let model = MMInterleaved(TinyModel.configuration, using: &g)
    let batch = try TinyModel.batch()
    withoutGradient {
      let images = model.encode(batch.images)
      let states = model.decoderStates(batch.sequences, images: images)
      let embedded = model.embed(batch.sequences, images: images, positions: 0..<18)
      #expect(states.data == model.language.hiddenStates(embedded).data)
      let picked = (0..<2).map { ImageReference(sequence: 0, image: $0, index: $0) }
      let previous = model.previousImageMaps(batch.sequences, images, picked)
      #expect(previous.hasPrevious == [false, true])
      let x = Tensor.normal([2, 3, 32, 32], using: &g)
      let context = Tensor.normal([2, 2, 16], using: &g)
      let hooked = model.unet(
        x, timesteps: [3, 7], context: context,
        hook: model.unetHook(maps: previous.maps, hasPrevious: previous.hasPrevious))
      #expect(hooked.data == model.unet(x, timesteps: [3, 7], context: context).data)
    }
  }

  /// Generation feeds one token at a time through the key–value cache; MMFS must then
  /// use the new token's own row of the image mask. Cached states equal the states of
  /// one pass over the whole sequence, with images in view and the gates open. (Shown
  /// to fail when the rows are taken from the start of the mask.)
  @Test func cachedDecodingEqualsOnePassWithImagesInView() throws {
    var g = SeededGenerator(seed: 6)
    let model = MMInterleaved(TinyModel.configuration, using: &g)
    TinyModel.open(model)
    let batch = try TinyModel.batch()
    let images = withoutGradient { model.encode(batch.images) }
    let whole = withoutGradient { model.decoderStates(batch.sequences, images: images) }
    let cache = KeyValueCache(layers: 3)
    var pieces: [Tensor] = []
    withoutGradient {
      pieces.append(
        model.decoderStates(
          batch.sequences, images: images, positions: 0..<5, cache: cache))
      for t in 5..<18 {
        pieces.append(
          model.decoderStates(
            batch.sequences, images: images, positions: t..<(t + 1), cache: cache))
      }
    }
    let cached = Tensor.concatenate(pieces, axis: 1)  // [2, 18, 16]
    let error = zip(whole.data, cached.data).map { Swift.abs($0 - $1) }.max()!
    #expect(error < 1e-5, "largest difference \(error)")
  }

  /// A batch whose images all open their documents has no image loss: the U-Net gets
  /// no gradient, and the text loss alone is the total.
  @Test func imagesWithoutContextTrainNoImageDecoder() throws {
    var g = SeededGenerator(seed: 7)
    let model = MMInterleaved(TinyModel.configuration, using: &g)
    let sequence = try PackedSequence.pack(
      [SequenceDocument([.image, .text([5, 6])]), SequenceDocument([.image])],
      slotsPerImage: 2, length: 12, special: TinyModel.special)
    let batch = InterleavedBatch(
      sequences: [sequence], images: Tensor.uniform([2, 3, 32, 32], using: &g))
    let loss = model.loss(batch, using: &g)
    #expect(loss.conditionedImages == 0 && loss.image.item == 0)
    #expect(loss.total.item == loss.text.item)
    loss.total.backward()
    #expect(model.unet.parameters.allSatisfy { $0.gradValues == nil })
    #expect(model.language.head.weight.gradValues != nil)
  }

  /// Over-fitting two short documents (text, image, text), each image a simple pattern:
  /// within 100 steps the text loss falls from 3.86 to 0.014 and the image loss from
  /// 1.53 to 0.44, measured before and after on the same draws of timesteps and noise,
  /// so the numbers compare. (About 30 s in a debug build; Chapter 8 runs it at
  /// MMI-Tiny's size.)
  @Test func overfitsTwoShortDocuments() throws {
    var configuration = TinyModel.configuration
    configuration.diffusionSteps = 200
    configuration.conditionDropProbability = 0
    var g = SeededGenerator(seed: 8)
    let model = MMInterleaved(configuration, using: &g)
    let sequence = try PackedSequence.pack(
      [
        SequenceDocument([.text([5, 6]), .image, .text([7])]),
        SequenceDocument([.text([8]), .image, .text([9, 10])]),
      ], slotsPerImage: 2, length: 16, special: TinyModel.special)
    let top: [Float] = (0..<3072).map { ($0 % 1024) < 512 ? 1 : 0 }
    let left: [Float] = (0..<3072).map { ($0 % 32) < 16 ? 0.9 : 0.1 }
    let batch = InterleavedBatch(
      sequences: [sequence], images: Tensor(shape: [2, 3, 32, 32], data: top + left))
    func measured() -> (text: Float, image: Float) {
      var draws = SeededGenerator(seed: 9)
      var (text, image): (Float, Float) = (0, 0)
      for _ in 0..<4 {  // four draws of timesteps and noise per image
        let loss = withoutGradient { model.loss(batch, using: &draws) }
        (text, image) = (loss.text.item, image + loss.image.item / 4)
      }
      return (text, image)
    }
    let before = measured()
    let optimizer = AdamW([ParameterGroup(model.namedParameters)])
    for _ in 0..<100 {
      model.loss(batch, using: &g).total.backward()
      optimizer.step(learningRate: 5e-3)
      optimizer.zeroGrad()
    }
    let after = measured()
    #expect(before.text > 2 && after.text < 0.05, "text \(before.text) → \(after.text)")
    #expect(after.image < 0.5 * before.image, "image \(before.image) → \(after.image)")
  }

  /// The sizes counted from a configuration alone (as the book counts the paper's 13B
  /// model) equal the tensors of a built model, part by part, at two sizes; every
  /// parameter belongs to one part.
  @Test func parameterCountsFromTheConfigurationMatchTheModel() {
    var g = SeededGenerator(seed: 9)
    for configuration in [
      TinyModel.configuration, InterleavedConfiguration(vocabularySize: 487),
    ] {
      let model = MMInterleaved(configuration, using: &g)
      let counted = model.countedParameters
      let computed = configuration.parameterCounts
      #expect(counted.map(\.part) == computed.map(\.part))
      for (c, m) in zip(computed, counted) {
        #expect(c.count == m.count, "\(c.part): \(c.count) computed, \(m.count) built")
      }
      #expect(counted.reduce(0) { $0 + $1.count } == model.parameterCount)
    }
  }

  /// The matrix-multiply work counted from a configuration (as the book counts the
  /// paper's) equals the engine's own count of each part's forward pass, on one sequence
  /// whose three images all have context.
  @Test func forwardWorkFromTheConfigurationMatchesTheEngine() throws {
    var g = SeededGenerator(seed: 10)
    let configuration = TinyModel.configuration
    let model = MMInterleaved(configuration, using: &g)
    let sequence = try PackedSequence.pack(
      [SequenceDocument([.text([5]), .image, .text([6, 7]), .image, .image, .text([8])])],
      slotsPerImage: 2, length: 16, special: TinyModel.special)
    let batch = InterleavedBatch(
      sequences: [sequence], images: Tensor.uniform([3, 3, 32, 32], using: &g))
    let picked = conditionedImages([sequence])
    #expect(picked.count == 3)
    let context = picked.map { sequence.conditionSpan(ofImage: $0.image).count }.max()!
    let computed = configuration.forwardFLOPs(tokens: 16, images: 3, context: context)
    let measured: [Int] = withoutGradient {
      let images = model.encode(batch.images)
      let vitTokens = model.encoder.vit(batch.images)
      let x = model.embed([sequence], images: images, positions: 0..<16)
      let states = model.decoderStates([sequence], images: images)
      let (maps, visible) = model.decoderMaps(
        [sequence], images: images, positions: 0..<16)
      let noisy = Tensor.normal([3, 3, 32, 32], using: &g)
      let condition = model.conditions(states, [sequence], picked)
      var sites: [Tensor] = []
      let previous = model.previousImageMaps([sequence], images, picked)
      return [
        MatrixWork.measure { _ = model.encoder.vit(batch.images) },
        MatrixWork.measure {
          _ = model.encoder.pyramid(batch.images, vitTokens: vitTokens)
        },
        MatrixWork.measure {
          _ = model.visualProjection(model.visualResampler(vitTokens))
        },
        0,
        MatrixWork.measure { _ = model.language.head(model.language.hiddenStates(x)) },
        MatrixWork.measure {
          for block in model.decoderSynchronizers {
            _ = block(x, maps: maps, visible: visible)
          }
        },
        MatrixWork.measure { _ = model.conditions(states, [sequence], picked) },
        MatrixWork.measure {
          _ = model.unet(noisy, timesteps: [1, 2, 3], context: condition) { _, features in
            sites.append(features)
            return features
          }
        },
        MatrixWork.measure {
          for (block, features) in zip(model.unetSynchronizers, sites) {
            _ = block(features, maps: previous.maps, hasPrevious: previous.hasPrevious)
          }
        },
      ]
    }
    #expect(computed.map(\.part) == model.countedParameters.map(\.part))
    for (part, count) in zip(computed, measured) {
      #expect(
        part.flops == count, "\(part.part): \(part.flops) computed, \(count) counted")
    }
  }
}
