import Autograd

/// One element of an interleaved document.
public enum DocumentPart: Sendable, Hashable {
  case text(String)
  case image(RGBImage)
}

/// A document of text spans and images in order: what the interleaved model reads and
/// continues.
public struct Document: Sendable, Hashable {
  public var parts: [DocumentPart]

  public init(_ parts: [DocumentPart]) { self.parts = parts }

  public var images: [RGBImage] {
    parts.compactMap { if case .image(let image) = $0 { image } else { nil } }
  }

  /// The text with the images numbered in brackets: "a red circle [image 1] it moves
  /// [image 2]". (Not the tokenizer's `<image>`, which is one of K slots of an image.)
  public var transcript: String {
    var imageCount = 0
    return parts.map {
      if case .text(let text) = $0 { return text }
      imageCount += 1
      return "[image \(imageCount)]"
    }.joined(separator: " ")
  }
}

/// What happens between two frames of a story.
public enum StoryEvent: Sendable, Hashable {
  case moves(index: Int, columns: Int, rows: Int)
  case appears(SceneObject)
  case disappears(index: Int)
  case turns(index: Int, to: ObjectColor)
}

/// A story: frames of a scene that changes, each with the sentence saying what changed.
public struct Story: Sendable {
  public var frames: [Scene]
  /// The sentence before each frame: a caption for the first, then one per change.
  public var sentences: [String]
  public var events: [StoryEvent]

  /// A story of `frameCount` (3...5 by default) frames.
  public static func random(
    frameCount: Int? = nil, using generator: inout SeededGenerator
  ) -> Story {
    let count = frameCount ?? 3 + generator.nextInt(below: 3)
    var scene = Scene.random(using: &generator)
    var story = Story(frames: [scene], sentences: [scene.caption], events: [])
    var failures = 0
    while story.frames.count < count {
      guard let (next, event, sentence) = scene.randomChange(using: &generator) else {
        // A scene can admit no change at all (three objects none of which can be
        // named apart); after many failed draws, start again from a new scene.
        failures += 1
        if failures == 200 { return random(frameCount: count, using: &generator) }
        continue
      }
      scene = next
      story.frames.append(next)
      story.events.append(event)
      story.sentences.append(sentence)
    }
    return story
  }

  public var document: Document {
    Document(zip(sentences, frames).flatMap { [.text($0), .image($1.render())] })
  }
}

extension Scene {
  /// A random change that keeps the scene valid and every object nameable, with its
  /// sentence; nil if the drawn change does not fit (the caller draws again).
  func randomChange(
    using generator: inout SeededGenerator
  ) -> (Scene, StoryEvent, String)? {
    var next = self
    switch generator.nextInt(below: 4) {
    case 0:  // move
      let index = generator.nextInt(below: objects.count)
      let directions = [(-1, 0, "left"), (1, 0, "right"), (0, -1, "up"), (0, 1, "down")]
      let (dx, dy, word) = directions[generator.nextInt(below: 4)]
      let steps = 1 + generator.nextInt(below: 2)
      guard let name = reference(to: objects[index]) else { return nil }
      next.objects[index].column += dx * steps
      next.objects[index].row += dy * steps
      guard next.canPlace(next.objects[index], ignoring: index) else { return nil }
      return (
        next, .moves(index: index, columns: dx * steps, rows: dy * steps),
        "the \(name) moves \(word)"
      )
    case 1:  // appear
      guard objects.count < 3, let object = randomNewObject(using: &generator) else {
        return nil
      }
      next.objects.append(object)
      let place = Scene.regionPhrase(column: object.column, row: object.row)
      return (next, .appears(object), "a \(object.fullName) appears \(place)")
    case 2:  // disappear
      guard objects.count > 1 else { return nil }
      let index = generator.nextInt(below: objects.count)
      guard let name = reference(to: objects[index]) else { return nil }
      next.objects.remove(at: index)
      return (next, .disappears(index: index), "the \(name) disappears")
    default:  // change colour
      let index = generator.nextInt(below: objects.count)
      let color = ObjectColor.allCases[generator.nextInt(below: 6)]
      guard color != objects[index].color, let name = reference(to: objects[index]) else {
        return nil
      }
      next.objects[index].color = color
      return (next, .turns(index: index, to: color), "the \(name) turns \(color.name)")
    }
  }

  /// An image followed by its caption, and one question with its answer.
  public func documents(using generator: inout SeededGenerator) -> [Document] {
    let image = DocumentPart.image(render())
    let questions = questionsAndAnswers()
    let (question, answer) = questions[generator.nextInt(below: questions.count)]
    return [
      Document([image, .text("caption: " + caption)]),
      Document([image, .text("question: \(question) answer: \(answer)")]),
    ]
  }
}

extension Digits {
  /// Digit `index` as a 32×32 RGB image.
  public func image(_ index: Int) -> RGBImage {
    RGBImage(grey: Digits.resize(images[index], to: 32), width: 32, height: 32)
  }

  /// "the digit 7" followed by its image.
  public func labelDocument(_ index: Int) -> Document {
    Document([.text("the digit \(labels[index])"), .image(image(index))])
  }

  /// A counting story: `length` consecutive digits from a random start, each with a
  /// random handwritten instance: "3" image ", then 4" image ", then 5" image.
  public func countingStory(
    length: Int = 3, using generator: inout SeededGenerator
  )
    -> Document
  {
    let start = generator.nextInt(below: 10 - length + 1)
    var parts: [DocumentPart] = []
    for (k, digit) in (start..<start + length).enumerated() {
      let candidates = labels.indices.filter { labels[$0] == digit }
      let index = candidates[generator.nextInt(below: candidates.count)]
      parts.append(.text(k == 0 ? "\(digit)" : ", then \(digit)"))
      parts.append(.image(image(index)))
    }
    return Document(parts)
  }
}
