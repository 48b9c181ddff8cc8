import Autograd
import Datasets
import Interleaved
import Language
import Layers
import Platform
import Training

// MARK: book:reading-ablation-data
/// What the reading arms learn from, all alike: Chapter 9's first stage (captions,
/// questions, referring expressions, 1 : 3 : 1) and questions about one of two images
/// (weight 1), a task of its own in each step's batch.
public enum ReadingAblation {
  enum Kind: CaseIterable { case caption, question, referring, twoImages }
  static let weights: [Kind: Int] = [
    .caption: 1, .question: 3, .referring: 1, .twoImages: 1,
  ]
  static let documents: [Kind: Int] = [
    .caption: 32, .question: 32, .referring: 32, .twoImages: 16,
  ]

  /// Step `step`'s batch: a function of the seed and the step alone.
  static func batch(
    at step: Int, seed: UInt64, packer: DocumentPacker
  ) throws
    -> InterleavedBatch
  {
    var generator = stepGenerator(seed: seed, step: step)
    var ticket = generator.nextInt(below: weights.values.reduce(0, +))
    let kind = Kind.allCases.first { kind in
      defer { ticket -= weights[kind]! }
      return ticket < weights[kind]!
    }!
    return try packer.batch(of: documents[kind]!) {
      switch kind {
      case .caption: try TrainingTask.caption.document(using: &generator)
      case .question: try TrainingTask.question.document(using: &generator)
      case .referring: try TrainingTask.referring.document(using: &generator)
      case .twoImages: EarlierImageQuestion.random(using: &generator).document
      }
    }
  }
  // MARK: end

  // MARK: book:reading-ablation-train
  /// Trains one arm: only the reading side learns, on the text loss alone (these
  /// documents draw nothing, so the U-Net need not run).
  public static func train(
    _ arm: AblationArm, seed: UInt64, budget: AblationBudget, tokenizer: BPETokenizer,
    full: Bool
  ) throws -> (model: MMInterleaved, seconds: Double) {
    try trainArm(
      arm, seed: seed, budget: budget, tokenizer: tokenizer, full: full,
      learning: readingParts
    ) { model, packer, step in
      let batch = try Self.batch(at: step, seed: seed, packer: packer)
      let images = model.encode(batch.images)
      let states = model.decoderStates(batch.sequences, images: images)  // [B, T, C]
      return model.textLoss(states, batch.sequences)
    }
  }
  // MARK: end
}

/// The held-out questions, captions and two-image questions every reading arm is
/// scored on, with yardsticks that need no model.
public struct ReadingTestSet: Sendable {
  public let questions: [HeldOutQuestion]  // exact cell, and what is at a cell
  public let captionScenes: [Scene]
  public let earlier: [EarlierImageQuestion]  // the first image's exact cell

  public init(questionsPerKind: Int, captions: Int, earlierQuestions: Int, seed: UInt64) {
    questions = HeldOutQuestion.draw(
      perKind: questionsPerKind, of: [.cell, .contents], seed: seed)
    var random = SeededGenerator(seed: seed &+ 1)
    captionScenes = (0..<captions).map { _ in Scene.random(using: &random) }
    earlier = EarlierImageQuestion.heldOut(earlierQuestions, kind: .cell, seed: seed &+ 2)
  }

  /// The names of the scores, in the order tables show them.
  public static let scoreNames = [
    "exact cell", "what is at a cell", "CIDEr-D", "earlier image's cell",
  ]

  /// The blind yardsticks: each question answered with its kind's most frequent answer
  /// (learnt from another draw), every caption with the most frequent caption.
  public func blindScores(seed: UInt64) -> [String: Double] {
    let blind = AnswerScores.blind(
      questions, reference: HeldOutQuestion.draw(4000, seed: seed))
    var random = SeededGenerator(seed: seed &+ 1)
    var counts: [String: Int] = [:]
    for _ in 0..<2000 { counts[Scene.random(using: &random).caption, default: 0] += 1 }
    let frequent = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }!.key
    let cider = CIDErD.scores(
      candidates: captionScenes.map { _ in frequent },
      references: captionScenes.map { [$0.caption] }
    ).mean
    var cellCounts: [String: Int] = [:]
    for _ in 0..<2000 {
      let q = EarlierImageQuestion.random(using: &random)
      if q.kind == .cell { cellCounts[q.answer, default: 0] += 1 }
    }
    let guess = cellCounts.max { ($0.value, $1.key) < ($1.value, $0.key) }!.key
    let earlierBlind = earlier.filter { $0.answer == guess }.count
    return [
      "exact cell": blind.accuracy(.cell), "what is at a cell": blind.accuracy(.contents),
      "CIDEr-D": cider, "earlier image's cell": share(earlierBlind, of: earlier.count),
    ]
  }
}

/// `count` of `total` as a share (NaN of nothing).
func share(_ count: Int, of total: Int) -> Double {
  total == 0 ? .nan : Double(count) / Double(total)
}

extension MMInterleaved {
  /// This model's scores on `set`: exact answers (VQA-normalised) to the fine-grained
  /// questions, CIDEr-D of its captions, exact answers about the earlier of two images.
  public func readingScores(
    _ set: ReadingTestSet, tokenizer: BPETokenizer
  ) throws
    -> [String: Double]
  {
    let packer = DocumentPacker(
      tokenizer: tokenizer, slotsPerImage: configuration.visualTokens)
    let picture = { (scene: Scene) in scene.render().tensor }
    let answers = try self.answers(
      set.questions.map { ([picture($0.scene)], "question: \($0.question) answer:") },
      packer: packer, maxTokens: 8)
    let right = zip(set.questions, answers).map { question, answer in
      (question.kind, VQAAccuracy.exactMatch(answer, truth: question.answer))
    }
    let accuracy = { (kind: QuestionKind) in
      let scores = right.filter { $0.0 == kind }.map(\.1)
      return scores.reduce(0, +) / Double(max(scores.count, 1))
    }
    let captions = try self.answers(
      set.captionScenes.map { ([picture($0)], "caption:") }, packer: packer,
      maxTokens: 40)
    let cider = CIDErD.scores(
      candidates: captions, references: set.captionScenes.map { [$0.caption] }
    ).mean
    let earlier = try self.answers(
      set.earlier.map { ([picture($0.first), picture($0.second)], $0.prompt) },
      packer: packer, maxTokens: 8)
    let earlierRight = zip(set.earlier, earlier).filter { question, answer in
      VQAAccuracy.exactMatch(answer, truth: question.answer) == 1
    }.count
    return [
      "exact cell": accuracy(.cell), "what is at a cell": accuracy(.contents),
      "CIDEr-D": cider,
      "earlier image's cell": share(earlierRight, of: set.earlier.count),
    ]
  }

  /// tanh(α) of whatever reads the maps in the decoder (none for the plain arms).
  public var readerGates: [Float] {
    decoderSynchronizers.map { tanhf($0.gate.item) }
      + decoderCrossAttentions.map { tanhf($0.gate.item) }
  }
}
