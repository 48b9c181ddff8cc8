import Autograd
import Datasets
import Interleaved

/// One stage of a curriculum: how many steps, which tasks and how often each comes up.
public struct CurriculumStage: Sendable {
  public var name: String
  public var steps: Int
  /// Tasks with their weights: a step's task is drawn with probability weight / total.
  public var mix: [(task: TrainingTask, weight: Int)]
  /// Parameters (by name prefix) held still during this stage.
  public var frozen: [String]

  public init(
    _ name: String, steps: Int, mix: [(task: TrainingTask, weight: Int)],
    frozen: [String] = []
  ) {
    self.name = name
    self.steps = steps
    self.mix = mix
    self.frozen = frozen
  }
}

/// The order in which MMI-Tiny meets its tasks, and the batch of every step.
///
/// A step's task and documents come from a generator seeded by the curriculum's seed
/// and the step's number alone, never from the steps before: the batch of step k is a
/// function of k, which is what lets `Trainer` resume a run exactly (a resumed run asks
/// for step k's batch and gets the one the first run would have had).
public struct Curriculum: Sendable {
  public var stages: [CurriculumStage]
  public var seed: UInt64
  /// Documents in one batch of each task: text tasks are cheap (the decoder only), so
  /// their batches are larger; a drawing task runs the U-Net on every image.
  public var documentsPerBatch: [TrainingTask: Int]

  public init(
    stages: [CurriculumStage], seed: UInt64,
    documentsPerBatch: [TrainingTask: Int] = Curriculum.defaultBatches
  ) {
    let what = "Curriculum"
    require(!stages.isEmpty, what, "needs at least one stage")
    for stage in stages {
      require(
        stage.steps > 0 && !stage.mix.isEmpty && stage.mix.allSatisfy { $0.weight > 0 },
        what,
        "stage \"\(stage.name)\" needs a positive number of steps and tasks with "
          + "positive weights")
      for (task, _) in stage.mix {
        require(
          (documentsPerBatch[task] ?? 0) > 0, what,
          "stage \"\(stage.name)\" uses \(task), which has no batch size")
      }
    }
    self.stages = stages
    self.seed = seed
    self.documentsPerBatch = documentsPerBatch
  }

  /// Batch sizes in documents (about 8 sequences of 128 tokens for the text tasks, 8
  /// images to draw for the drawing tasks).
  public static let defaultBatches: [TrainingTask: Int] = [
    .caption: 32, .question: 32, .referring: 32, .segmentationToImage: 4,
    .textToImage: 8, .story: 2, .digits: 4,
  ]

  public var totalSteps: Int { stages.reduce(0) { $0 + $1.steps } }

  /// The first step of each stage (0 for the first).
  public var stageStarts: [Int] {
    stages.dropLast().reduce(into: [0]) { $0.append($0.last! + $1.steps) }
  }

  /// The stage step `step` (0-based, over the whole run) belongs to, and its step
  /// within that stage. Steps past the end belong to the last stage.
  public func stage(at step: Int) -> (index: Int, step: Int) {
    var start = 0
    for (index, stage) in stages.enumerated() {
      if step < start + stage.steps || index == stages.count - 1 {
        return (index, step - start)
      }
      start += stage.steps
    }
    return (stages.count - 1, step - start)  // not reached: the loop returns
  }

  /// The generator of step `step`: a function of the seed and the step alone.
  public func generator(for step: Int) -> SeededGenerator {
    SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(step) &+ 1)
  }

  /// The task of step `step`, drawn by its stage's weights.
  public func task(at step: Int) -> TrainingTask {
    var generator = generator(for: step)
    return task(at: step, using: &generator)
  }

  func task(at step: Int, using generator: inout SeededGenerator) -> TrainingTask {
    let mix = stages[stage(at: step).index].mix
    var ticket = generator.nextInt(below: mix.reduce(0) { $0 + $1.weight })
    for (task, weight) in mix {
      if ticket < weight { return task }
      ticket -= weight
    }
    return mix[mix.count - 1].task  // not reached: the tickets cover the weights
  }

  // MARK: book:curriculum-batch
  /// Step `step`'s task and batch: its task's number of documents, drawn fresh from the
  /// world and packed by `packer`.
  public func batch(
    at step: Int, packer: DocumentPacker, digits: Digits? = nil
  ) throws -> (task: TrainingTask, batch: InterleavedBatch) {
    var generator = generator(for: step)
    let task = task(at: step, using: &generator)
    let batch = try packer.batch(of: documentsPerBatch[task]!) {
      try task.document(using: &generator, digits: digits)
    }
    return (task, batch)
  }
  // MARK: end
}
