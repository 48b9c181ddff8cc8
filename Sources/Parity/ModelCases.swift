import Autograd
import Interleaved
import Language
import Layers

/// The parity cases of the whole model and of one optimiser step.
enum ModelCases {
  /// Chapter 6's tokenizer's structural tokens (the same ids at every vocabulary size).
  static let special = SpecialTokens(BPETokenizer())

  /// Two packed sequences that take every path of the model: a document with two
  /// images (the second reads the first through the U-Net's MMFS), a caption document
  /// whose image opens it (no image loss, no text target before it) in the same
  /// sequence, a short document and padding in the other.
  static func batch(using generator: inout SeededGenerator) -> InterleavedBatch {
    func text(_ count: Int) -> DocumentItem {
      .text((0..<count).map { _ in generator.nextInt(below: 256) })
    }
    let first = [
      SequenceDocument([text(3), .image, text(4), .image, text(2)]),
      SequenceDocument([.image, text(5)], trainsTextBeforeFirstImage: false),
    ]
    let second = [SequenceDocument([text(6), .image, text(3)])]
    let sequences = [first, second].map {
      try! PackedSequence.pack($0, slotsPerImage: 8, length: 48, special: special)
    }
    return InterleavedBatch(
      sequences: sequences, images: Tensor.uniform([4, 3, 32, 32], using: &generator))
  }

  /// The joint loss of a freshly made MMI-Tiny (its closed gates and zero
  /// convolutions opened at random) on `batch`, with the gradient of every parameter.
  static func jointLoss(using generator: inout SeededGenerator) -> ParityCase {
    var configuration = InterleavedConfiguration(vocabularySize: 300)
    configuration.conditionDropProbability = 0.5  // so the null condition is used too
    return jointLoss("joint-loss", configuration, using: &generator)
  }

  /// The joint loss with Chapter 10's ablation switches: dense cross-attention in the
  /// decoder and no MMFS in the U-Net; or MMFS on one level, the latest image only.
  static func ablationLosses(using generator: inout SeededGenerator) -> [ParityCase] {
    var dense = InterleavedConfiguration(vocabularySize: 300)
    dense.decoderImageReader = .crossAttention
    dense.unetSynchronizes = false
    var narrow = InterleavedConfiguration(vocabularySize: 300)
    narrow.decoderLevels = [1]
    narrow.decoderSynchronizer.levels = 1
    narrow.decoderReadsEarlierImages = false
    return [
      jointLoss("joint-loss-dense", dense, using: &generator),
      jointLoss("joint-loss-one-level-latest", narrow, using: &generator),
    ]
  }

  /// One joint-loss case: a fresh model of `configuration`, perturbed, its parameters,
  /// the loss on the parity batch and every parameter's gradient.
  static func jointLoss(
    _ name: String, _ configuration: InterleavedConfiguration,
    using generator: inout SeededGenerator
  ) -> ParityCase {
    let model = MMInterleaved(configuration, using: &generator)
    perturbConstantParameters(model, using: &generator)
    var record = ParityCase(name, settings: modelSettings(configuration))
    record.parameters(of: model)
    let outputs = recordLoss(model, into: &record, using: &generator)
    record.backward(from: outputs, using: &generator)
    record.parameterGradients(of: model)
    return record
  }

  /// A checkpoint of MMI-Tiny saved by Chapter 9: the same batch's loss and states.
  static func savedModel(
    at path: String, vocabulary: Int, using generator: inout SeededGenerator
  ) throws -> ParityCase {
    let configuration = InterleavedConfiguration(vocabularySize: vocabulary)
    let model = MMInterleaved(configuration, using: &generator)
    try model.load(from: path)
    var record = ParityCase(
      caseName(forCheckpoint: path),
      settings: modelSettings(configuration).merging(["checkpoint": path]) { $1 })
    _ = withoutGradient { recordLoss(model, into: &record, using: &generator) }
    return record
  }

  /// Runs the joint loss on the parity batch and records the batch's structure, the
  /// random draws the image loss made (timesteps, noise, dropped conditions) and the
  /// results. Returns the outputs to seed a backward pass from.
  static func recordLoss(
    _ model: MMInterleaved, into record: inout ParityCase,
    using generator: inout SeededGenerator
  ) -> [(name: String, tensor: Tensor)] {
    let batch = self.batch(using: &generator)
    record.metadata["sequences"] = sequencesJSON(batch.sequences)
    record.input("images", batch.images)
    // The loss draws from the generator; a copy replays the same draws, in its order.
    let replay = generator
    let loss = model.loss(batch, using: &generator)
    record.recordDraws(images: loss.conditionedImages, model: model, using: replay)
    let states = withoutGradient {
      model.decoderStates(batch.sequences, images: model.encode(batch.images))
    }
    let outputs = [
      ("loss", loss.total), ("textLoss", loss.text), ("imageLoss", loss.image),
    ]
    for (name, tensor) in outputs { record.output(name, tensor) }
    record.output("states", states)
    return outputs
  }

  /// One AdamW step after another on two parameter groups (one decaying at full rate,
  /// one at a tenth of the rate without decay, as the book's offsets), from given
  /// gradients: the parameters after each step.
  static func adamW(using generator: inout SeededGenerator) -> ParityCase {
    var record = ParityCase(
      "adamw",
      settings: [
        "beta1": "0.9", "beta2": "0.99", "epsilon": "1e-08", "weightDecay": "0.01",
        "rateScale": "0.1", "learningRates": "0.001 0.001 0.0005",
      ])
    let weight = Tensor.normal([4, 3], using: &generator, requiresGrad: true)
    let offsets = Tensor.normal([5], using: &generator, requiresGrad: true)
    record.input("weight", weight.detached())
    record.input("offsets", offsets.detached())
    let optimizer = AdamW(
      [
        ParameterGroup([("weight", weight)], weightDecay: 0.01),
        ParameterGroup([("offsets", offsets)], learningRateScale: 0.1),
      ], beta2: 0.99)
    for (step, rate) in [Float(1e-3), 1e-3, 5e-4].enumerated() {
      for (name, parameter) in [("weight", weight), ("offsets", offsets)] {
        let gradient = Tensor.normal(parameter.shape, using: &generator)
        parameter.accumulateGrad(gradient.data)
        record.input("grad\(step).\(name)", gradient)
      }
      optimizer.step(learningRate: rate)
      optimizer.zeroGrad()
      record.output("weight\(step)", weight)
      record.output("offsets\(step)", offsets)
    }
    return record
  }

  /// The settings the twin needs to build the same configuration.
  static func modelSettings(_ c: InterleavedConfiguration) -> [String: String] {
    [
      "vocabularySize": "\(c.language.vocabularySize)",
      "conditionDropProbability": "\(c.conditionDropProbability)",
      "imageLossWeight": "\(c.imageLossWeight)",
      "decoderImageReader": c.decoderImageReader == .crossAttention
        ? "crossAttention" : "synchronizer",
      "decoderLevels": c.decoderLevels.map(String.init).joined(separator: " "),
      "decoderReadsEarlierImages": "\(c.decoderReadsEarlierImages)",
      "unetSynchronizes": "\(c.unetSynchronizes)",
    ]
  }
}

/// The structure of packed sequences as JSON, for the twin to rebuild them.
func sequencesJSON(_ sequences: [PackedSequence]) -> String {
  let items = sequences.map { s in
    let fields: [(String, [Int])] = [
      ("tokens", s.tokens), ("documents", s.documents),
      ("documentStarts", s.documentStarts), ("beginImages", s.beginImages),
      ("imageDocuments", s.imageDocuments), ("textTargets", s.textTargets()),
      ("trainsTextBeforeFirstImage", s.trainsTextBeforeFirstImage.map { $0 ? 1 : 0 }),
      (
        "special",
        [
          s.special.padding, s.special.beginning, s.special.end, s.special.beginImage,
          s.special.imageSlot,
        ]
      ),
    ]
    let body = fields.map { "\"\($0)\":[\($1.map(String.init).joined(separator: ","))]" }
    return "{" + body.joined(separator: ",") + ",\"slotsPerImage\":\(s.slotsPerImage)}"
  }
  return "[" + items.joined(separator: ",") + "]"
}

/// `ch09-stage3-quick.safetensors` → `checkpoint-ch09-stage3-quick`.
func caseName(forCheckpoint path: String) -> String {
  var file = path.split(separator: "/").last.map(String.init) ?? path
  if file.hasSuffix(".safetensors") { file.removeLast(".safetensors".count) }
  return "checkpoint-" + file
}
