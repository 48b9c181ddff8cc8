import Autograd
import Datasets
import Foundation
import Interleaved
import Language
import Layers
import Platform
import Training

// MARK: book:ablation-arms
/// One arm of an ablation: MMI-Tiny with one switch turned (or none).
public struct AblationArm: Sendable {
  public let name: String
  /// A short name for files: "k8-mmfs".
  public let slug: String
  public let change: @Sendable (inout InterleavedConfiguration) -> Void

  public init(
    _ name: String, slug: String,
    _ change: @escaping @Sendable (inout InterleavedConfiguration) -> Void = { _ in }
  ) {
    (self.name, self.slug, self.change) = (name, slug, change)
  }

  /// MMI-Tiny's configuration for a tokenizer of `vocabularySize`, this arm's way.
  public func configuration(vocabularySize: Int) -> InterleavedConfiguration {
    var c = InterleavedConfiguration(vocabularySize: vocabularySize)
    c.imageLossTrainsDecoder = false  // Chapter 9's recipe: the decoder reads, held
    change(&c)
    return c
  }
}

extension AblationArm {
  /// MMI-Tiny as it is: 8 visual tokens and MMFS over all three scales of every
  /// earlier image, in the decoder and in the U-Net.
  public static let mmfs = AblationArm("K = 8 + MMFS", slug: "k8-mmfs")
  /// Table 6(a): the visual tokens alone, 8 or 32 of them.
  public static let eightTokens = AblationArm("K = 8", slug: "k8") {
    $0.synchronizedLayers = []
  }
  public static let thirtyTwoTokens = AblationArm("K = 32", slug: "k32") {
    $0.synchronizedLayers = []
    $0.visualTokens = 32
  }
  /// Table 7: dense cross-attention over every cell in MMFS's place.
  public static let crossAttention = AblationArm(
    "K = 8 + dense cross-attention", slug: "k8-dense"
  ) { $0.decoderImageReader = .crossAttention }
  /// Table 8: one scale (the ViT's own 8² grid) instead of three.
  public static let singleScale = AblationArm("K = 8 + MMFS, one scale", slug: "k8-8x8") {
    $0.decoderLevels = [1]
    $0.decoderSynchronizer.levels = 1
  }
  /// Table 8: MMFS over the most recent image only.
  public static let currentImageOnly = AblationArm(
    "K = 8 + MMFS, latest image only", slug: "k8-latest"
  ) { $0.decoderReadsEarlierImages = false }
  /// Table 6(c): the U-Net with and without its MMFS.
  public static let unetWithMMFS = AblationArm("U-Net with MMFS", slug: "unet-mmfs")
  public static let unetWithoutMMFS = AblationArm(
    "U-Net without MMFS", slug: "unet-plain"
  ) { $0.unetSynchronizes = false }
}
// MARK: end

/// The parameters that learn when MMI-Tiny learns to read: the decoder, what feeds it
/// the images, and whatever reads the maps inside it.
public let readingParts = [
  "language.", "decoderSynchronizers.", "decoderCrossAttentions.", "visualProjection.",
  "visualResampler.", "beginImageVector",
]

/// The parameters that learn when the U-Net learns to draw (the condition path held,
/// as in Chapter 9).
public let drawingParts = ["unet.", "unetSynchronizers."]

/// How long an ablation trains, and how fast.
public struct AblationBudget: Sendable {
  public var steps: Int, warmupSteps: Int
  public var learningRate: Float = 1e-3, minimumLearningRate: Float = 1e-4

  public init(steps: Int, warmupSteps: Int) {
    (self.steps, self.warmupSteps) = (steps, warmupSteps)
  }
}

/// What one arm's run measured, kept in a file so that a long run can be done in
/// pieces (the chapter trains only the arms that have no file yet).
public struct AblationResult: Codable, Sendable, Equatable {
  public var arm: String, seed: UInt64, steps: Int
  /// Seconds of training, and per step.
  public var seconds: Double
  public var secondsPerStep: Double { seconds / Double(max(steps, 1)) }
  /// The scores, by name ("exact cell", "CIDEr-D", …), and the decoder's gates.
  public var scores: [String: Double]
  public var gates: [Float]
  /// A few images the arm drew, [3, H, W] values each (drawing arms only), for figures.
  public var samples: [[Float]]

  public init(
    arm: String, seed: UInt64, steps: Int, seconds: Double, scores: [String: Double],
    gates: [Float], samples: [[Float]] = []
  ) {
    (self.arm, self.seed, self.steps, self.seconds) = (arm, seed, steps, seconds)
    (self.scores, self.gates, self.samples) = (scores, gates, samples)
  }

  /// The result saved at `path`, or nil if there is none (or it is unreadable).
  public static func saved(at path: String) -> AblationResult? {
    guard let bytes = try? readFileBytes(path) else { return nil }
    return try? JSONDecoder().decode(AblationResult.self, from: Data(bytes))
  }

  /// Saves the result at `path`, atomically.
  public func save(to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try makeFolders(containing: path)
    try writeFileAtomically(Array(try encoder.encode(self)), to: path)
  }
}

// MARK: book:ablation-train
/// Trains one arm: MMI-Tiny configured the arm's way, started from the parts Chapters
/// 3 and 6 saved (as Chapter 9 starts), with only the parameters under `learning`
/// learning, through the book's one training loop; `loss(model, packer, step)` is step
/// `step`'s loss. Returns the model and the seconds its training took.
public func trainArm(
  _ arm: AblationArm, seed: UInt64, budget: AblationBudget, tokenizer: BPETokenizer,
  full: Bool, learning: [String],
  loss: (MMInterleaved, DocumentPacker, Int) throws -> Tensor
) throws -> (model: MMInterleaved, seconds: Double) {
  let configuration = arm.configuration(vocabularySize: tokenizer.vocabularySize)
  var generator = SeededGenerator(seed: seed)
  let model = MMInterleaved(configuration, using: &generator)
  _ = try model.loadPretrainedParts(full: full)
  let packer = DocumentPacker(
    tokenizer: tokenizer, slotsPerImage: configuration.visualTokens)
  var settings = TrainingConfiguration(
    steps: budget.steps, learningRate: budget.learningRate,
    warmupSteps: budget.warmupSteps, minimumLearningRate: budget.minimumLearningRate)
  settings.label = arm.slug
  let trainer = Trainer(model, settings) { name in
    !learning.contains(where: name.hasPrefix)
  }
  var progress = AblationProgress(label: "\(arm.slug) seed \(seed)", total: budget.steps)
  try trainer.run { step in
    try loss(model, packer, step)
  } afterStep: { step in
    progress.after(step: step, loss: trainer.losses[step])
  }
  return (model, trainer.seconds)
}
// MARK: end

/// The generator of an ablation's step `step`: a function of the seed and the step
/// alone, so that every arm sees the same batches.
func stepGenerator(seed: UInt64, step: Int) -> SeededGenerator {
  SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(step))
}

/// Progress lines on standard error every `interval` seconds: "k8-mmfs seed 1 · step
/// 300/1500 · loss 0.61 · 4.1 steps/s · 5 min left".
struct AblationProgress {
  let label: String, total: Int
  let interval: Double
  let clock = ContinuousClock()
  let started: ContinuousClock.Instant
  var last: ContinuousClock.Instant

  init(label: String, total: Int, interval: Double = 30) {
    (self.label, self.total, self.interval) = (label, total, interval)
    started = clock.now
    last = started
  }

  mutating func after(step: Int, loss: Float) {
    let now = clock.now
    // A line every `interval`, and one at the end of a run long enough to have had one.
    let ends = step + 1 == total && (now - started).seconds >= interval
    guard (now - last).seconds >= interval || ends else { return }
    last = now
    let rate = Double(step + 1) / max((now - started).seconds, 1e-9)
    let left = Double(total - step - 1) / rate
    writeToStandardError(
      "\(label) · step \(step + 1)/\(total) · loss \(formatted(loss)) · "
        + "\(formatted(rate, significantDigits: 3)) steps/s · "
        + (left >= 60 ? "\(Int((left / 60).rounded())) min left" : "\(Int(left)) s left")
        + "\n")
  }
}
