import Autograd
import Datasets
import Interleaved
import Language
import Platform
import Testing
import Training

@testable import Evaluation

@Suite("The ablations' data, arms and bookkeeping")
struct AblationTests {
  // Bytes only: documents are long, so the sequences are too.
  let packer = DocumentPacker(tokenizer: BPETokenizer(), length: 512)

  @Test func aStepsBatchDependsOnTheSeedAndTheStepAlone() throws {
    let a = try ReadingAblation.batch(at: 7, seed: 1, packer: packer)
    let b = try ReadingAblation.batch(at: 7, seed: 1, packer: packer)
    let c = try ReadingAblation.batch(at: 7, seed: 2, packer: packer)
    #expect(a.sequences == b.sequences && a.images.data == b.images.data)
    #expect(a.sequences != c.sequences || a.images.data != c.images.data)
  }

  /// Over many steps every kind of document comes up, in about its share (1 of 6 for
  /// captions, 3 of 6 for questions): counted by the number of images per document.
  @Test func theMixDrawsEveryKindOfDocument() throws {
    var twoImageBatches = 0
    for step in 0..<120 {
      let batch = try ReadingAblation.batch(at: step, seed: 3, packer: packer)
      let documents = batch.sequences.reduce(0) { $0 + $1.documentStarts.count }
      if documents == 16 && batch.images.shape[0] == 32 { twoImageBatches += 1 }
    }
    #expect(twoImageBatches > 8 && twoImageBatches < 35, "\(twoImageBatches) of 120")
  }

  @Test func earlierImageQuestionsAskAboutTheSceneTheyName() {
    var g = SeededGenerator(seed: 4)
    for _ in 0..<50 {
      let q = EarlierImageQuestion.random(using: &g)
      let asked = q.aboutFirst ? q.first : q.second
      #expect(asked.questionsAndAnswers().contains { $0 == (q.question, q.answer) })
      #expect(q.prompt.contains(q.aboutFirst ? "first image" : "second image"))
      #expect(q.document.images.count == 2)
    }
    let held = EarlierImageQuestion.heldOut(20, kind: .cell, seed: 5)
    #expect(held.count == 20 && held.allSatisfy { $0.aboutFirst && $0.kind == .cell })
  }

  @Test func armsTurnTheirSwitch() {
    let c = { (arm: AblationArm) in arm.configuration(vocabularySize: 300) }
    #expect(c(.mmfs).synchronizedLayers == [0, 2] && c(.mmfs).visualTokens == 8)
    #expect(c(.eightTokens).synchronizedLayers.isEmpty)
    #expect(c(.thirtyTwoTokens).visualTokens == 32)
    #expect(c(.crossAttention).decoderImageReader == .crossAttention)
    #expect(
      c(.singleScale).decoderLevels == [1]
        && c(.singleScale).decoderSynchronizer.levels == 1)
    #expect(!c(.currentImageOnly).decoderReadsEarlierImages)
    #expect(!c(.unetWithoutMMFS).unetSynchronizes && c(.unetWithMMFS).unetSynchronizes)
    let slugs = [
      AblationArm.mmfs, .eightTokens, .thirtyTwoTokens, .crossAttention,
      .singleScale, .currentImageOnly, .unetWithMMFS, .unetWithoutMMFS,
    ].map(\.slug)
    #expect(Set(slugs).count == slugs.count)
  }

  @Test func aResultSurvivesItsFile() throws {
    let path = "/tmp/mmi-ablation-\(getpid())/arm.json"
    let result = AblationResult(
      arm: "K = 8", seed: 2, steps: 10, seconds: 3.5, scores: ["exact cell": 0.25],
      gates: [0.1, -0.2], samples: [[0.5, 0.25]])
    try result.save(to: path)
    #expect(AblationResult.saved(at: path) == result)
    #expect(AblationResult.saved(at: path + ".missing") == nil)
    try writeFileAtomically(Array("{ not json".utf8), to: path)
    #expect(AblationResult.saved(at: path) == nil)
  }

  /// Hand-worked layout scores: a drawn map with its object one pixel off.
  @Test func layoutScoresOfAShiftedObject() {
    let truth = [[0, 3, 3, 0]], drawn = [[0, 0, 3, 3]]
    let scores = LayoutAblation.scores(drawn: drawn, truth: truth)
    #expect(abs(scores["layout IoU"]! - 1.0 / 3) < 1e-12)  // 1 shared of 3
    #expect(abs(scores["object mIoU"]! - 1.0 / 3) < 1e-12)
    #expect(abs(scores["all-class mIoU"]! - (1.0 / 3 + 1.0 / 3) / 2) < 1e-12)
  }
}
