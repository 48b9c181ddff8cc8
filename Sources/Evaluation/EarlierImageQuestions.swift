import Autograd
import Datasets
import Training

// MARK: book:earlier-image-question
/// A question about one of two images: "[scene] [scene] question about the first
/// image: where is the red circle? answer: 2 1". Half the questions ask about the
/// first image, half about the second, so the model must tell the two apart; Table
/// 8's multi-image ablation scores the ones about the first (earlier) image, which a
/// reader of the most recent image only cannot see.
public struct EarlierImageQuestion: Sendable {
  public let first: Scene, second: Scene
  public let aboutFirst: Bool
  public let question: String, answer: String

  public var kind: QuestionKind { QuestionKind(question) }

  /// The prompt after the two images, up to the answer.
  public var prompt: String {
    "question about the \(aboutFirst ? "first" : "second") image: \(question) answer:"
  }

  /// The training document: both images, the prompt and the answer.
  public var document: Document {
    Document([
      .image(first.render()), .image(second.render()), .text(prompt + " " + answer),
    ])
  }

  /// A fresh pair of scenes and a question about one of them.
  public static func random(using generator: inout SeededGenerator) -> Self {
    let first = Scene.random(using: &generator)
    let second = Scene.random(using: &generator)
    let aboutFirst = generator.nextInt(below: 2) == 0
    let pairs = (aboutFirst ? first : second).questionsAndAnswers()
    let (question, answer) = pairs[generator.nextInt(below: pairs.count)]
    return EarlierImageQuestion(
      first: first, second: second, aboutFirst: aboutFirst, question: question,
      answer: answer)
  }
  // MARK: end

  /// `count` held-out questions about the first image, of `kind` (its own generator).
  public static func heldOut(_ count: Int, kind: QuestionKind, seed: UInt64) -> [Self] {
    var generator = SeededGenerator(seed: seed)
    var drawn: [EarlierImageQuestion] = []
    while drawn.count < count {
      let question = random(using: &generator)
      if question.aboutFirst && question.kind == kind { drawn.append(question) }
    }
    return drawn
  }
}
