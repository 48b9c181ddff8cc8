import Autograd
import Datasets
import Interleaved

/// A question about a fresh scene, for evaluation: never a training document (the
/// generator is the evaluation's own).
public struct HeldOutQuestion: Sendable {
  public let scene: Scene
  public let question: String, answer: String
  public var kind: QuestionKind { QuestionKind(question) }

  /// `count` questions of each of `kinds`, one per fresh scene, drawn as training
  /// draws them (scenes whose drawn question is of another kind, or of a kind already
  /// complete, are passed over).
  public static func draw(
    perKind count: Int, of kinds: [QuestionKind], seed: UInt64
  ) -> [HeldOutQuestion] {
    var generator = SeededGenerator(seed: seed)
    var drawn: [HeldOutQuestion] = []
    var wanted = Dictionary(uniqueKeysWithValues: kinds.map { ($0, count) })
    while wanted.values.contains(where: { $0 > 0 }) {
      let question = next(using: &generator)
      guard let left = wanted[question.kind], left > 0 else { continue }
      wanted[question.kind] = left - 1
      drawn.append(question)
    }
    return drawn
  }

  static func next(using generator: inout SeededGenerator) -> HeldOutQuestion {
    let scene = Scene.random(using: &generator)
    let pairs = scene.questionsAndAnswers()
    let (question, answer) = pairs[generator.nextInt(below: pairs.count)]
    return HeldOutQuestion(scene: scene, question: question, answer: answer)
  }

  /// `count` questions, one per fresh scene, drawn as training draws them.
  public static func draw(_ count: Int, seed: UInt64) -> [HeldOutQuestion] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in next(using: &generator) }
  }
}

/// Exact answers by kind of question.
public struct AnswerScores: Sendable, Equatable {
  public private(set) var right: [QuestionKind: Int] = [:]
  public private(set) var asked: [QuestionKind: Int] = [:]

  public init() {}

  /// Scores `answers[i]` against `questions[i]`: exact match, words compared with the
  /// spaces between them normalised.
  public init(_ questions: [HeldOutQuestion], answers: [String]) {
    let words = { (text: String) in text.split(separator: " ").joined(separator: " ") }
    for (question, answer) in zip(questions, answers) {
      asked[question.kind, default: 0] += 1
      if words(answer) == question.answer { right[question.kind, default: 0] += 1 }
    }
  }

  /// The share answered exactly, of one kind or (nil) of all.
  public func accuracy(_ kind: QuestionKind? = nil) -> Double {
    let (r, a) =
      kind.map { (right[$0] ?? 0, asked[$0] ?? 0) }
      ?? (right.values.reduce(0, +), asked.values.reduce(0, +))
    return a == 0 ? .nan : Double(r) / Double(a)
  }

  /// The blind yardstick: each kind answered with its most frequent answer among
  /// `reference` questions (drawn apart from the evaluated ones).
  public static func blind(
    _ questions: [HeldOutQuestion], reference: [HeldOutQuestion]
  ) -> AnswerScores {
    var counts: [QuestionKind: [String: Int]] = [:]
    for question in reference {
      counts[question.kind, default: [:]][question.answer, default: 0] += 1
    }
    let guess = counts.mapValues { answers in
      answers.max { ($0.value, $1.key) < ($1.value, $0.key) }!.key
    }
    return AnswerScores(questions, answers: questions.map { guess[$0.kind] ?? "" })
  }
}

extension MMInterleaved {
  /// The model's answer to each question, seeing its scene: "question: … answer:" after
  /// the image, continued greedily (at most `maxTokens`).
  public func answers(
    _ questions: [HeldOutQuestion], packer: DocumentPacker, maxTokens: Int = 8
  ) throws -> [String] {
    try continuations(
      questions.map { imageTensor($0.scene) },
      prompts: questions.map { "question: \($0.question) answer:" }, packer: packer,
      maxTokens: maxTokens)
  }
}

/// The value that occurs most often in `values` (the first of them, on a tie): the
/// blind yardsticks' answer, caption or box.
public func mostFrequent<T: Hashable>(_ values: [T]) -> T {
  var counts: [T: Int] = [:]
  for value in values { counts[value, default: 0] += 1 }
  return values.max { counts[$0]! < counts[$1]! }!
}
