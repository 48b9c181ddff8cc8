import Autograd
import Datasets

/// The kinds of document MMI-Tiny learns from, each drawn fresh from the synthetic
/// world. Text tasks end in text the decoder must write after seeing an image; image
/// tasks end in an image the U-Net must draw from what came before. Each text after
/// an image starts with a cue word, so that the model knows what is asked (without one,
/// a prototype answered caption prompts with questions).
public enum TrainingTask: String, CaseIterable, Sendable, Hashable {
  /// [scene] "caption: a big red circle at the top left, …"
  case caption
  /// [scene] "question: where is the red circle? answer: 2 1"
  case question
  /// [scene] "find: the small red circle (1,0)(2,1)": a box on the 8×8 grid.
  case referring
  /// [segmentation map] "scene:" [scene]: draw the scene the map lays out.
  case segmentationToImage
  /// "draw: a big red circle at the top left" [scene]
  case textToImage
  /// caption [scene] "the red circle moves left" [scene] …: a story of 3–5 frames.
  case story
  /// "the digit 7" [digit], or a counting story "3" [3] ", then 4" [4] …
  case digits

  /// Whether the document's point is an image to draw (the image loss), rather than
  /// text to write after an image (the text loss).
  public var drawsImages: Bool {
    switch self {
    case .segmentationToImage, .textToImage, .story, .digits: true
    case .caption, .question, .referring: false
    }
  }
}

/// The questions the world asks, by what they test.
public enum QuestionKind: String, CaseIterable, Sendable {
  case count, colour, shape, cell, contents, relation

  /// The kind of a question written by `Scene.questionsAndAnswers`.
  public init(_ question: String) {
    if question.hasPrefix("how many") {
      self = .count
    } else if question.hasPrefix("what colour") {
      self = .colour
    } else if question.hasPrefix("what shape") {
      self = .shape
    } else if question.hasPrefix("where is") {
      self = .cell
    } else if question.hasPrefix("what is at") {
      self = .contents
    } else {
      self = .relation
    }
  }
}

/// A document that cannot be made: what is missing and how to get it.
public struct TrainingDataError: Error, CustomStringConvertible {
  public let description: String
}

extension TrainingTask {
  // MARK: book:training-task-document
  /// One document of this task. `digits` is needed by `.digits` only (the other tasks
  /// draw scenes of the world).
  public func document(
    using generator: inout SeededGenerator, digits: Digits? = nil
  ) throws -> Document {
    switch self {
    case .caption:
      let scene = Scene.random(using: &generator)
      return Document([.image(scene.render()), .text("caption: " + scene.caption)])
    case .question:
      let scene = Scene.random(using: &generator)
      let pairs = scene.questionsAndAnswers()
      let (question, answer) = pairs[generator.nextInt(below: pairs.count)]
      return Document([
        .image(scene.render()), .text("question: \(question) answer: \(answer)"),
      ])
    case .referring:
      // A scene whose objects can all be named has at least one expression; draw
      // again in the rare scene where none can be named apart.
      while true {
        let scene = Scene.random(using: &generator)
        let expressions = scene.referringExpressions()
        guard !expressions.isEmpty else { continue }
        let chosen = expressions[generator.nextInt(below: expressions.count)]
        return Document([.image(scene.render()), .text("find: " + chosen.expression)])
      }
    case .segmentationToImage:
      let scene = Scene.random(using: &generator)
      return Document([
        .image(scene.segmentationImage()), .text("scene:"), .image(scene.render()),
      ])
    case .textToImage:
      let scene = Scene.random(using: &generator)
      return Document([.text("draw: " + scene.caption), .image(scene.render())])
    case .story:
      return Story.random(using: &generator).document
    case .digits:
      guard let digits, digits.count > 0 else {
        throw TrainingDataError(
          description: "the digits task needs the handwritten digits: load them with "
            + "Digits.load() (Data/digits.csv, shipped with the book)")
      }
      if generator.nextInt(below: 2) == 0 {
        return digits.labelDocument(generator.nextInt(below: digits.count))
      }
      return digits.countingStory(using: &generator)
    }
  }
  // MARK: end
}
