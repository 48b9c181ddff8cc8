import Autograd
import Datasets
import Interleaved
import Layers
import Platform

/// One step of a curriculum run: its task and the two parts of its loss.
public struct StepRecord: Sendable, Equatable {
  public let step: Int
  public let task: TrainingTask
  public let text: Float, image: Float
}

/// Trains MMI-Tiny through a curriculum with the book's one training loop (`Trainer`):
/// each step's batch is drawn by the curriculum, its timesteps and noise by a generator
/// of the step alone, so a run resumed from a checkpoint continues bit for bit. It
/// keeps every step's task and losses (saved in the checkpoints too), and the image
/// encoder stays frozen unless the model's configuration trains it.
public final class CurriculumTrainer {
  public let model: MMInterleaved
  public let curriculum: Curriculum
  public let packer: DocumentPacker
  public let digits: Digits?
  public let trainer: Trainer
  public private(set) var records: [StepRecord] = []
  /// The caller's own records of the run (probes along the way), kept in the
  /// checkpoints with the rest and restored by `resume`.
  public var notes: [String: String] = [:]

  /// `configuration`'s step count is replaced by the curriculum's.
  public init(
    model: MMInterleaved, curriculum: Curriculum, packer: DocumentPacker,
    digits: Digits? = nil, configuration: TrainingConfiguration
  ) throws {
    let usesDigits = curriculum.stages.contains { $0.mix.contains { $0.task == .digits } }
    if usesDigits && digits == nil {
      throw TrainingDataError(
        description: "the curriculum uses the digits task: pass the digits "
          + "(Digits.load(), Data/digits.csv)")
    }
    (self.model, self.curriculum, self.packer, self.digits) =
      (model, curriculum, packer, digits)
    var settings = configuration
    settings.steps = curriculum.totalSteps
    let trainsEncoder = model.configuration.trainsEncoder
    trainer = Trainer(model, settings) { !trainsEncoder && $0.hasPrefix("encoder.") }
    let parameters = model.namedParameters
    trainer.beforeUpdate = { [curriculum] step in
      let frozen = curriculum.stages[curriculum.stage(at: step).index].frozen
      guard !frozen.isEmpty else { return }
      for (name, tensor) in parameters where frozen.contains(where: name.hasPrefix) {
        tensor.zeroGrad()
      }
    }
    trainer.checkpointMetadata = { [unowned self] in
      notes.reduce(into: ["curriculum.records": Self.encode(records)]) {
        $0["notes." + $1.key] = $1.value
      }
    }
  }

  /// Steps taken so far.
  public var step: Int { trainer.step }

  /// Trains until the curriculum's end (or `last`, if earlier), reporting progress to
  /// `progress` after every step.
  public func run(
    until last: Int? = nil, progress: ProgressReport? = nil,
    afterStep: ((_ step: Int) throws -> Void)? = nil
  ) throws {
    try trainer.run(until: last, loss: loss(at:)) { step in
      progress?.record(self.records[self.records.count - 1], of: self)
      try afterStep?(step)
    }
  }

  // MARK: book:curriculum-loss
  /// Step `step`'s loss, with its record kept.
  func loss(at step: Int) throws -> Tensor {
    let (task, batch) = try curriculum.batch(at: step, packer: packer, digits: digits)
    var draws = SeededGenerator(
      seed: ~curriculum.seed &* 0xD6E8_FEB8_6659_FD93 &+ UInt64(step))
    let loss = model.loss(batch, using: &draws)
    records.append(
      StepRecord(step: step, task: task, text: loss.text.item, image: loss.image.item))
    return loss.total
  }
  // MARK: end

  /// Saves the model, the optimiser, the step and the records (atomically).
  public func save(to path: String) throws { try trainer.save(to: path) }

  /// Continues a run saved by `save` (or by the trainer's own checkpoints).
  public func resume(from path: String) throws {
    let metadata = try trainer.resume(from: path)
    records = try Self.decode(metadata["curriculum.records"] ?? "", path: path)
    notes = [:]
    for (key, value) in metadata where key.hasPrefix("notes.") {
      notes[String(key.dropFirst("notes.".count))] = value
    }
  }

  /// "task:textBits:imageBits" per step, comma-separated (bit patterns: exact).
  static func encode(_ records: [StepRecord]) -> String {
    records.map {
      "\($0.task.rawValue):\($0.text.bitPattern):\($0.image.bitPattern)"
    }.joined(separator: ",")
  }

  static func decode(_ text: String, path: String) throws -> [StepRecord] {
    try text.split(separator: ",").enumerated().map { step, entry in
      let fields = entry.split(separator: ":")
      guard fields.count == 3, let task = TrainingTask(rawValue: String(fields[0])),
        let text = UInt32(fields[1]), let image = UInt32(fields[2])
      else {
        throw CheckpointError.corruptHeader(
          path: path, reason: "its curriculum records are unreadable at step \(step)")
      }
      return StepRecord(
        step: step, task: task, text: Float(bitPattern: text),
        image: Float(bitPattern: image))
    }
  }
}

/// Progress of a curriculum run as lines of text, one every `interval` seconds and at
/// the end of each stage: the stage, the steps, each task's mean losses since the last
/// line, the speed and the time left. Written to standard error, so that they reach a
/// terminal or a log file (`make demo > log`) but not a chapter's transcript.
public final class ProgressReport {
  public let interval: Double
  let write: (String) -> Void
  let clock = ContinuousClock()
  var started: ContinuousClock.Instant?, lastLine: ContinuousClock.Instant?
  var pending: [StepRecord] = []
  var stepsAtStart = 0

  public init(
    every interval: Double = 30, write: @escaping (String) -> Void = {
      writeToStandardError($0 + "\n")
    }
  ) {
    self.interval = interval
    self.write = write
  }

  func record(_ record: StepRecord, of run: CurriculumTrainer) {
    let now = clock.now
    if started == nil {
      (started, lastLine, stepsAtStart) = (now, now, record.step)
    }
    pending.append(record)
    let curriculum = run.curriculum
    let (stage, _) = curriculum.stage(at: record.step)
    let stageEnds = curriculum.stage(at: record.step + 1).index != stage
      || record.step + 1 == curriculum.totalSteps
    guard stageEnds || (now - lastLine!).seconds >= interval else { return }
    write(line(after: record.step, of: curriculum, now: now))
    (lastLine, pending) = (now, [])
  }

  /// "stage 1/3 read · step 120/600 · caption text 1.23 · … · 2.3 steps/s · 4 min left"
  func line(
    after step: Int, of curriculum: Curriculum, now: ContinuousClock.Instant
  ) -> String {
    let (index, inStage) = curriculum.stage(at: step)
    let stage = curriculum.stages[index]
    var parts = [
      "stage \(index + 1)/\(curriculum.stages.count) \(stage.name)",
      "step \(min(inStage + 1, stage.steps))/\(stage.steps)",
    ]
    for task in TrainingTask.allCases {
      let steps = pending.filter { $0.task == task }
      guard !steps.isEmpty else { continue }
      let mean = { (part: KeyPath<StepRecord, Float>) in
        steps.reduce(0) { $0 + $1[keyPath: part] } / Float(steps.count)
      }
      parts.append(
        "\(task.rawValue) " + (task.drawsImages ? "image" : "text") + " "
          + formatted(mean(task.drawsImages ? \.image : \.text)))
    }
    let done = step + 1 - stepsAtStart
    let elapsed = (now - started!).seconds
    if done > 0 && elapsed > 0 {
      let rate = Double(done) / elapsed
      let left = Double(curriculum.totalSteps - step - 1) / rate
      parts.append(formatted(rate, significantDigits: 3) + " steps/s")
      parts.append(
        left >= 60 ? "\(Int((left / 60).rounded())) min left" : "\(Int(left)) s left")
    }
    return parts.joined(separator: " · ")
  }
}
