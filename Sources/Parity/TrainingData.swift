import ArgumentParser
import Autograd
import Interleaved
import Language
import Layers
import Notebook
import Platform
import Training

/// `Parity data`: what the twin trains on, written once by our engine, so that the
/// twin needs none of the book's world, tokenizer or packing: the model Chapter 9
/// starts from, and the batches of Chapter 9's first stage (reading), each with the
/// random draws of its image loss. With `--train`, our engine trains on the same
/// batches and records its losses, for the twin's run to be compared with.
struct TrainingData: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "data",
    abstract: "Write Chapter 9's starting model and first-stage batches for the twin.")

  @Option(help: "The folder to write into (made if missing).")
  var output = "Reference/data"

  @Option(help: "Batches to write (one per training step of one process).")
  var steps = 64

  @Option(help: "Warm-up steps of the learning-rate schedule (then a cosine decay).")
  var warmup = 8

  @Flag(help: "Start from Chapters 3 and 6's full runs (default: their quick runs).")
  var full = false

  @Flag(help: "Also train our engine on the batches and record its losses.")
  var train = false

  @Option(help: "The seed of the new parts' weights, the documents and the draws.")
  var seed: UInt64 = 1

  @Option(help: "Worker threads (for --train).")
  var threads = 1

  func validate() throws {
    guard steps >= 1 else { throw ValidationError("--steps must be ≥ 1, got \(steps)") }
    guard warmup >= 0 && warmup < steps else {
      throw ValidationError("--warmup must be in 0..<steps, got \(warmup)")
    }
  }

  func run() throws {
    Engine.configure(threads: threads)
    let (tokenizer, _) = try BPETokenizer.savedByChapter6(full: full)
    let packer = DocumentPacker(tokenizer: tokenizer)
    var configuration = InterleavedConfiguration(vocabularySize: tokenizer.vocabularySize)
    configuration.imageLossTrainsDecoder = false  // as Chapter 9 trains it
    var generator = SeededGenerator(seed: seed)
    let model = MMInterleaved(configuration, using: &generator)
    _ = try model.loadPretrainedParts(full: full)
    let settings = Self.settings(steps: steps, warmup: warmup)
    let schedule = LearningRateSchedule(
      base: settings.learningRate, warmupSteps: settings.warmupSteps,
      totalSteps: steps, minimum: settings.minimumLearningRate)
    try makeFolders(containing: output + "/batches/step.safetensors")
    try model.save(
      to: output + "/start.safetensors",
      metadata: [
        "vocabularySize": "\(tokenizer.vocabularySize)",
        "imageLossTrainsDecoder": "false", "steps": "\(steps)",
        "learningRate": "\(settings.learningRate)", "warmupSteps": "\(warmup)",
        "minimumLearningRate": "\(settings.minimumLearningRate)",
        "beta2": "\(settings.beta2)", "weightDecay": "\(settings.weightDecay)",
        "clipNorm": "\(settings.clipNorm!)", "offsetRateScale": "0.1",
      ])
    let curriculum = Curriculum(
      stages: [
        CurriculumStage(
          "read", steps: steps, mix: [(.caption, 1), (.question, 3), (.referring, 1)])
      ], seed: seed)
    let batches = try (0..<steps).map { step in
      let (task, batch) = try curriculum.batch(at: step, packer: packer)
      var record = ParityCase(
        "step-" + zeroPadded(step, width: 6),
        settings: [
          "task": task.rawValue, "sequences": sequencesJSON(batch.sequences),
          "learningRate": "\(schedule(step))",
        ])
      record.input("images", batch.images)
      record.recordDraws(
        images: conditionedImages(batch.sequences).count, model: model,
        using: Self.draws(step, seed: seed))
      try record.write(into: output + "/batches")
      return batch
    }
    try writeScene(batches[0].images, to: output + "/scene.png")
    print("wrote \(output)/start.safetensors and \(steps) batches in \(output)/batches/")
    if train { try trainOurs(model, on: batches, settings: settings) }
  }

  /// Chapter 9's optimiser settings, over `steps` steps.
  static func settings(steps: Int, warmup: Int) -> TrainingConfiguration {
    TrainingConfiguration(
      steps: steps, learningRate: 1e-3, warmupSteps: warmup, minimumLearningRate: 1e-4)
  }

  /// The generator of step `step`'s image-loss draws (timesteps, noise, drops).
  static func draws(_ step: Int, seed: UInt64) -> SeededGenerator {
    SeededGenerator(seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(step))
  }

  /// Trains the model on the batches as Chapter 9's trainer does (the encoder frozen),
  /// each step with the draws written beside its batch, and records the losses.
  func trainOurs(
    _ model: MMInterleaved, on batches: [InterleavedBatch],
    settings: TrainingConfiguration
  ) throws {
    let trainer = Trainer(model, settings) { $0.hasPrefix("encoder.") }
    var lines: [String] = []
    let clock = ContinuousClock()
    var stepStarted = clock.now
    try trainer.run { step in
      var draws = Self.draws(step, seed: seed)
      let loss = model.loss(batches[step], using: &draws)
      lines.append("\(step) \(loss.total.item) \(loss.text.item) \(loss.image.item)")
      return loss.total
    } afterStep: { step in
      let milliseconds = (clock.now - stepStarted).seconds * 1000
      lines[step] += " \(milliseconds)"
      stepStarted = clock.now
    }
    let path = output + "/ours-losses.txt"
    try writeTextFile(
      "# step total text image ms (our engine, 1 process x \(threads) thread(s))\n"
        + lines.joined(separator: "\n") + "\n", to: path)
    try model.save(to: output + "/ours-trained.safetensors")
    print("trained our engine on them: \(path), \(output)/ours-trained.safetensors")
  }
}

/// The first image of `images` ([I, 3, 32, 32] in [0, 1]) as a PNG: a scene of the
/// world for `Generate` to read.
func writeScene(_ images: Tensor, to path: String) throws {
  var canvas = Canvas(width: 32, height: 32)
  let picture = pixelLists(images.sliced(axis: 0, 0..<1))[0]  // [H, W, 3]
  canvas.paste(rgb: picture, width: 32, height: 32, x: 0, y: 0, zoom: 1)
  try canvas.writePNG(to: path)
}

extension ParityCase {
  /// The draws the joint loss takes for `images` conditioned images, replayed from a
  /// copy of `generator` by the diffusion model's own `draws`.
  mutating func recordDraws(
    images n: Int, model: MMInterleaved, using generator: SeededGenerator
  ) {
    var replay = generator
    let (timesteps, noise, dropped) = model.diffusion.draws(
      for: [n, 3, model.configuration.unetSide, model.configuration.unetSide],
      using: &replay)
    input("timesteps", integers: timesteps, shape: [n])
    input("noise", noise)
    input("dropped", flags: dropped, shape: [n])
  }
}

/// `n` in decimal, with leading zeros to `width` digits (file names that sort in order).
func zeroPadded(_ n: Int, width: Int) -> String {
  let digits = String(n)
  return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
