import Autograd
import Datasets
import Testing
import Training
import Vision

@testable import Evaluation

@Suite("The metrics, on examples worked by hand")
struct MetricsTests {
  @Test func vqaNormalisesAnswersAsTheEvaluationDoes() {
    #expect(VQAAccuracy.normalised("The Red circle.") == "red circle")
    #expect(VQAAccuracy.normalised("two") == "2")
    #expect(VQAAccuracy.normalised("a  big, blue square!") == "big blue square")
  }

  /// Ten humans, two of whom said "red": leaving out one of those two leaves 1 match
  /// (1/3), leaving out any of the other eight leaves 2 (2/3); (2·1/3 + 8·2/3)/10 = 0.6.
  @Test func vqaAccuracyAveragesOverTheHumansLeftOut() {
    let humans = ["red", "Red."] + Array(repeating: "blue", count: 8)
    #expect(abs(VQAAccuracy.accuracy("red", humanAnswers: humans) - 0.6) < 1e-12)
    // Four or more agreeing humans give full marks whichever is left out.
    let many = Array(repeating: "two", count: 4) + Array(repeating: "3", count: 6)
    #expect(VQAAccuracy.accuracy("2", humanAnswers: many) == 1)
    #expect(VQAAccuracy.accuracy("4", humanAnswers: many) == 0)
    #expect(VQAAccuracy.exactMatch("the 2", truth: "two") == 1)
    #expect(VQAAccuracy.exactMatch("3", truth: "two") == 0)
  }

  /// Truth (0,0)–(1,1) covers 4 cells. (0,0)–(1,0) covers 2 of them: IoU 2/4 = 0.5,
  /// right. (1,1)–(2,2): 1 shared of 7: wrong. nil (no box written): wrong.
  @Test func referringAccuracyCountsBoxesAtIoUHalfOrMore() {
    let truth = CellBox(0, 0, 1, 1)
    let boxes: [CellBox?] = [CellBox(0, 0, 1, 0), CellBox(1, 1, 2, 2), nil, truth]
    #expect(referringAccuracy(boxes, truth: Array(repeating: truth, count: 4)) == 0.5)
  }

  /// Two 4-pixel maps (a and b), worked out pixel by pixel.
  /// truth [0, 0, 1, 1] and [2, 2, 0, 0]; predicted [0, 1, 1, 1] and [2, 0, 0, 0].
  /// class 0: both at (a0), (b2), (b3) → 3; either at a0, a1, b1, b2, b3 → 5: 3/5.
  /// class 1: both a2, a3 → 2; either a1, a2, a3 → 3: 2/3.
  /// class 2: both b0 → 1; either b0, b1 → 2: 1/2.
  @Test func meanIoUSumsOverMapsThenAveragesOverClasses() {
    let truth = [[0, 0, 1, 1], [2, 2, 0, 0]]
    let predicted = [[0, 1, 1, 1], [2, 0, 0, 0]]
    let all = meanIoU(predicted, truth, classes: 4)
    #expect(abs(all - (3.0 / 5 + 2.0 / 3 + 1.0 / 2) / 3) < 1e-12)
    let objects = meanIoU(predicted, truth, classes: 4, excluding: [0])
    #expect(abs(objects - (2.0 / 3 + 1.0 / 2) / 2) < 1e-12)
  }
}

@Suite("Image–text agreement by a mini-CLIP")
struct AgreementTests {
  /// 100 × the mean cosine of each image's embedding with its own text's, worked out
  /// from the two embeddings; and a text that matches better scores higher.
  @Test func agreementIsTheMeanCosineTimesAHundred() {
    var g = SeededGenerator(seed: 9)
    let vision = ImageEncoder(using: &g).vit
    let vocabulary = WordVocabulary()
    let clip = MiniCLIP(
      vision: vision, vocabulary: vocabulary.count, textLength: MiniCLIP.captionLength,
      using: &g)
    let images = Tensor.uniform([3, 3, 32, 32], using: &g)
    let texts = ["a big red circle", "a small blue square at the top left", "two"]
    let score = imageTextAgreement(
      clip, images: images, texts: texts, vocabulary: vocabulary)
    let a = withoutGradient { clip.embedImages(images) }  // [3, D]
    let ids = texts.flatMap { vocabulary.encode($0, length: MiniCLIP.captionLength) }
    let b = withoutGradient { clip.embedTexts(ids, batch: 3) }  // [3, D]
    let d = a.shape[1]
    var total = 0.0
    for i in 0..<3 {
      var dot = 0.0
      for k in 0..<d { dot += Double(a.data[i * d + k]) * Double(b.data[i * d + k]) }
      total += dot
    }
    #expect(abs(score - 100 * total / 3) < 1e-3)
    #expect(score > -100 && score < 100)
  }
}
