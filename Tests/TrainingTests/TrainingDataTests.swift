import Autograd
import Datasets
import Interleaved
import Language
import Testing
import Training

/// A small tokenizer trained on the world's sentences and the cue words (fast to make).
let worldTokenizer: BPETokenizer = {
  var generator = SeededGenerator(seed: 1)
  let texts = (0..<200).flatMap { _ -> [String] in
    let scene = Scene.random(using: &generator)
    return [
      "caption: " + scene.caption, "draw: " + scene.caption, "scene:",
      "find: " + (scene.referringExpressions().first?.expression ?? ""),
    ]
      + scene.questionsAndAnswers().map {
        "question: \($0.question) answer: \($0.answer)"
      }
  }
  return BPETokenizer.train(on: texts, vocabularySize: 400)
}()

/// The texts and the number of images of a document, in order.
func layout(_ document: Document) -> [String] {
  document.parts.map { part in
    if case .text(let text) = part { return text }
    return "[image]"
  }
}

@Suite("Training data: the tasks' documents")
struct TrainingTaskTests {
  @Test(arguments: TrainingTask.allCases.filter { $0 != .digits })
  func documentsHaveTheirTaskShape(task: TrainingTask) throws {
    var generator = SeededGenerator(seed: 3)
    for _ in 0..<40 {
      let parts = layout(try task.document(using: &generator))
      switch task {
      case .caption:
        #expect(parts.count == 2 && parts[0] == "[image]")
        #expect(parts[1].hasPrefix("caption: "))
      case .question:
        #expect(parts.count == 2 && parts[0] == "[image]")
        #expect(parts[1].hasPrefix("question: ") && parts[1].contains("? answer: "))
      case .referring:
        #expect(parts.count == 2 && parts[0] == "[image]" && parts[1].hasPrefix("find: "))
        // The answer is a box on the 8×8 grid: "(x1,y1)(x2,y2)".
        let box = parts[1].split(separator: "(").dropFirst().map { $0.dropLast() }
        let numbers = box.flatMap { $0.split(separator: ",").compactMap { Int($0) } }
        #expect(numbers.count == 4 && numbers.allSatisfy { (0..<8).contains($0) })
      case .segmentationToImage:
        #expect(parts == ["[image]", "scene:", "[image]"])
      case .textToImage:
        #expect(parts.count == 2 && parts[0].hasPrefix("draw: ") && parts[1] == "[image]")
      case .story:
        #expect((6...10).contains(parts.count) && parts.count % 2 == 0)
        let imagesAtOddPlaces = parts.enumerated().allSatisfy {
          ($0.offset % 2 == 1) == ($0.element == "[image]")
        }
        #expect(imagesAtOddPlaces)
      case .digits:
        break
      }
    }
  }

  @Test func questionsCoverEveryKind() throws {
    var generator = SeededGenerator(seed: 4)
    var kinds = Set<QuestionKind>()
    for _ in 0..<300 {
      let text = layout(try TrainingTask.question.document(using: &generator))[1]
      let question = text.dropFirst("question: ".count).prefix { $0 != "?" }
      kinds.insert(QuestionKind(String(question)))
    }
    #expect(kinds == Set(QuestionKind.allCases))
  }

  @Test func digitsWithoutTheirDataSayWhatToLoad() {
    var generator = SeededGenerator(seed: 5)
    #expect {
      _ = try TrainingTask.digits.document(using: &generator)
    } throws: { error in
      "\(error)".contains("Digits.load()") && "\(error)".contains("Data/digits.csv")
    }
  }

  @Test func digitsDocumentsNameTheirDigits() throws {
    // Tests run from the package root, where the book ships its digits.
    let digits = try Digits.load()
    var generator = SeededGenerator(seed: 6)
    var labels = 0, stories = 0
    for _ in 0..<40 {
      let document = try TrainingTask.digits.document(using: &generator, digits: digits)
      let parts = layout(document)
      if parts.count == 2 {
        #expect(parts[0].hasPrefix("the digit ") && parts[1] == "[image]")
        labels += 1
      } else {
        // "3" [image] ", then 4" [image] ", then 5" [image]
        #expect(parts.count == 6 && parts[2].hasPrefix(", then "))
        #expect(parts[1] == "[image]" && parts[5] == "[image]")
        stories += 1
      }
    }
    #expect(labels > 0 && stories > 0)
  }

  @Test func onlyTheDrawingTasksDraw() {
    #expect(
      Set(TrainingTask.allCases.filter(\.drawsImages))
        == [.segmentationToImage, .textToImage, .story, .digits])
  }
}

@Suite("Training data: packing and the curriculum")
struct CurriculumTests {
  let packer = DocumentPacker(tokenizer: worldTokenizer)

  @Test func batchesHoldWholeDocumentsInOrder() throws {
    var generator = SeededGenerator(seed: 6)
    var drawn: [Document] = []
    let batch = try packer.batch(of: 20) {
      let document = try TrainingTask.story.document(using: &generator)
      drawn.append(document)
      return document
    }
    #expect(batch.sequences.allSatisfy { $0.length == 128 })
    // Every document is in the batch, whole and in order: its tokens, then the next's.
    let tokens = batch.sequences.flatMap { sequence in
      sequence.tokens.filter { $0 != packer.special.padding }
    }
    let expected = drawn.flatMap { document -> [Int] in
      packer.sequenceDocument(document).items.flatMap { item -> [Int] in
        if case .text(let ids) = item { return ids }
        return [packer.special.beginImage]
          + [Int](repeating: packer.special.imageSlot, count: packer.slotsPerImage)
      }
    }
    let body = tokens.filter {
      $0 != packer.special.beginning && $0 != packer.special.end
    }
    #expect(body == expected)
    // The images in order of appearance.
    let images = drawn.flatMap(\.images).flatMap(\.tensor.data)
    #expect(batch.images.shape[0] == drawn.flatMap(\.images).count)
    #expect(batch.images.data == images)
  }

  @Test func aDocumentLongerThanASequenceIsNamed() {
    let long = Document(
      [.text(String(repeating: "a big red circle at the top left, ", count: 40))])
    #expect {
      _ = try packer.batch(of: 1) { long }
    } throws: { error in
      "\(error)".contains("does not fit a sequence of 128")
    }
  }

  @Test func stagesFollowEachOtherAndTasksFollowTheirWeights() {
    let curriculum = Curriculum(
      stages: [
        CurriculumStage("read", steps: 100, mix: [(.caption, 1), (.question, 3)]),
        CurriculumStage("draw", steps: 50, mix: [(.segmentationToImage, 1)]),
      ], seed: 7)
    #expect(curriculum.totalSteps == 150 && curriculum.stageStarts == [0, 100])
    #expect(curriculum.stage(at: 0) == (0, 0) && curriculum.stage(at: 99) == (0, 99))
    #expect(curriculum.stage(at: 100) == (1, 0) && curriculum.stage(at: 170) == (1, 70))
    let first = (0..<100).map(curriculum.task(at:))
    let questions = first.filter { $0 == .question }.count
    #expect(Set(first) == [.caption, .question] && (60...90).contains(questions))
    #expect((100..<150).allSatisfy { curriculum.task(at: $0) == .segmentationToImage })
  }

  @Test func theBatchOfAStepDependsOnTheStepAlone() throws {
    let curriculum = Curriculum(
      stages: [
        CurriculumStage(
          "mixed", steps: 10, mix: [(.caption, 1), (.textToImage, 1), (.story, 1)])
      ], seed: 8)
    let again = Curriculum(stages: curriculum.stages, seed: 8)
    let other = Curriculum(stages: curriculum.stages, seed: 9)
    for step in [0, 3, 9] {
      let (task, batch) = try curriculum.batch(at: step, packer: packer)
      let (sameTask, same) = try again.batch(at: step, packer: packer)
      #expect(task == sameTask)
      #expect(batch.sequences.map(\.tokens) == same.sequences.map(\.tokens))
      #expect(batch.images.data == same.images.data)
      let (_, next) = try curriculum.batch(at: step + 1, packer: packer)
      #expect(batch.images.data != next.images.data)
      let (_, seeded) = try other.batch(at: step, packer: packer)
      #expect(batch.images.data != seeded.images.data)
    }
  }
}

@Suite("Scoring answers")
struct AnswerScoreTests {
  let questions = HeldOutQuestion.draw(400, seed: 31)

  @Test func heldOutQuestionsRepeatAndCoverEveryKind() {
    let again = HeldOutQuestion.draw(400, seed: 31)
    #expect(questions.map(\.question) == again.map(\.question))
    #expect(Set(questions.map(\.kind)) == Set(QuestionKind.allCases))
  }

  @Test func exactAnswersScoreOneAndOthersLess() {
    let perfect = AnswerScores(questions, answers: questions.map { " \($0.answer) " })
    #expect(perfect.accuracy() == 1)
    for kind in QuestionKind.allCases { #expect(perfect.accuracy(kind) == 1) }
    let wrong = AnswerScores(questions, answers: questions.map { $0.answer + " x" })
    #expect(wrong.accuracy() == 0)
    #expect(AnswerScores().accuracy().isNaN)
  }

  @Test func theBlindYardstickGuessesEachKindsCommonestAnswer() {
    let reference = HeldOutQuestion.draw(2000, seed: 32)
    let blind = AnswerScores.blind(questions, reference: reference)
    // Yes/no questions are about even; a cell is one of 36: blind, far below half.
    #expect(blind.accuracy(.relation) > 0.3 && blind.accuracy(.relation) < 0.8)
    #expect(blind.accuracy(.cell) < 0.15)
    #expect(blind.accuracy() < 0.6)
  }
}
