import Autograd
import Datasets
import Foundation
import Interleaved
import Language
import Layers
import Testing
import Training
import Vision

/// MMI-Tiny's layout at a size a debug build trains in seconds, with the world
/// tokenizer's vocabulary.
func tinyModel(seed: UInt64) -> MMInterleaved {
  var generator = SeededGenerator(seed: seed)
  return MMInterleaved(
    .tiny(vocabularySize: worldTokenizer.vocabularySize), using: &generator)
}

/// Two short stages: reading, then drawing; batches of two documents.
let tinyCurriculum = Curriculum(
  stages: [
    CurriculumStage("read", steps: 2, mix: [(.caption, 1), (.question, 1)]),
    CurriculumStage(
      "draw", steps: 2, mix: [(.textToImage, 1), (.segmentationToImage, 1)]),
  ], seed: 11,
  documentsPerBatch: [
    .caption: 2, .question: 2, .textToImage: 1, .segmentationToImage: 1,
  ])

func parameterBits(_ model: MMInterleaved) -> [[UInt32]] {
  model.namedParameters.map { $0.tensor.data.map(\.bitPattern) }
}

@Suite("Training through a curriculum")
struct CurriculumTrainerTests {
  let packer = DocumentPacker(tokenizer: worldTokenizer, slotsPerImage: 2, length: 64)
  let settings = TrainingConfiguration(steps: 0, learningRate: 1e-3, warmupSteps: 1)

  @Test func aResumedRunContinuesExactly() throws {
    let straight = tinyModel(seed: 1)
    let run = try CurriculumTrainer(
      model: straight, curriculum: tinyCurriculum, packer: packer,
      configuration: settings)
    try run.run()
    #expect(run.step == 4 && run.records.map(\.step) == [0, 1, 2, 3])

    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("curriculum-\(UInt32.random(in: 0...UInt32.max))")
      .path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let first = try CurriculumTrainer(
      model: tinyModel(seed: 1), curriculum: tinyCurriculum, packer: packer,
      configuration: settings)
    try first.run(until: 2)
    first.notes["watch"] = "after step 2"
    try first.save(to: path)
    let resumed = try CurriculumTrainer(
      model: tinyModel(seed: 99), curriculum: tinyCurriculum, packer: packer,
      configuration: settings)
    try resumed.resume(from: path)
    #expect(resumed.step == 2 && resumed.records == Array(run.records.prefix(2)))
    #expect(resumed.notes == ["watch": "after step 2"])
    try resumed.run()
    let sameWeights = parameterBits(resumed.model) == parameterBits(straight)
    #expect(sameWeights)
    #expect(resumed.records == run.records)
    // The comparison can fail: a run from other weights ends elsewhere.
    let other = try CurriculumTrainer(
      model: tinyModel(seed: 2), curriculum: tinyCurriculum, packer: packer,
      configuration: settings)
    try other.run()
    let otherWeights = parameterBits(other.model) != parameterBits(straight)
    #expect(otherWeights)
  }

  @Test func theEncoderStaysFrozenAndTheRestLearns() throws {
    let model = tinyModel(seed: 3)
    let before = model.namedParameters.map { ($0.name, $0.tensor.data) }
    let run = try CurriculumTrainer(
      model: model, curriculum: tinyCurriculum, packer: packer, configuration: settings)
    try run.run(until: 3)
    for ((name, old), (_, tensor)) in zip(before, model.namedParameters) {
      if name.hasPrefix("encoder.") {
        #expect(tensor.data == old, "\(name) moved")
      }
    }
    let moved = zip(before, model.namedParameters).filter { $0.0.1 != $0.1.tensor.data }
    #expect(moved.contains { $0.1.name.hasPrefix("language.") })
    #expect(moved.contains { $0.1.name.hasPrefix("unet.") })
    // Reading steps train text only; drawing steps also draw.
    #expect(run.records.prefix(2).allSatisfy { $0.text > 0 && $0.image == 0 })
    #expect(run.records[2].image > 0)
  }

  @Test func aStageHoldsItsFrozenPartsStill() throws {
    var stages = tinyCurriculum.stages
    stages[1].frozen = ["conditionProjection.", "conditionResampler."]
    let curriculum = Curriculum(
      stages: stages, seed: 11, documentsPerBatch: tinyCurriculum.documentsPerBatch)
    let model = tinyModel(seed: 9)
    let before = model.namedParameters.map { ($0.name, $0.tensor.data) }
    let run = try CurriculumTrainer(
      model: model, curriculum: curriculum, packer: packer, configuration: settings)
    try run.run()
    #expect(run.records.suffix(2).allSatisfy { $0.image > 0 })  // the draw stage drew
    let moved = Set(
      zip(before, model.namedParameters).filter { $0.0.1 != $0.1.tensor.data }
        .map(\.1.name))
    #expect(!moved.contains { $0.hasPrefix("conditionProjection.") })
    #expect(!moved.contains { $0.hasPrefix("conditionResampler.") })
    #expect(moved.contains { $0.hasPrefix("unet.") })
    // Without the freeze the same run moves them.
    let free = tinyModel(seed: 9)
    try CurriculumTrainer(
      model: free, curriculum: tinyCurriculum, packer: packer, configuration: settings
    ).run()
    let freeMoved = zip(before, free.namedParameters).filter {
      $0.0.1 != $0.1.tensor.data
    }
    #expect(freeMoved.contains { $0.1.name.hasPrefix("conditionResampler.") })
  }

  @Test func progressLinesNameStageTasksAndSpeed() throws {
    var lines: [String] = []
    let report = ProgressReport(every: 3600) { lines.append($0) }
    let run = try CurriculumTrainer(
      model: tinyModel(seed: 4), curriculum: tinyCurriculum, packer: packer,
      configuration: settings)
    try run.run(progress: report)
    // Only at each stage's end (the interval is an hour).
    #expect(lines.count == 2, "\(lines)")
    #expect(lines[0].hasPrefix("stage 1/2 read · step 2/2"), "\(lines[0])")
    #expect(lines[1].hasPrefix("stage 2/2 draw · step 2/2"), "\(lines[1])")
    #expect(lines[0].contains(" text ") && lines[1].contains(" image "))
    #expect(lines.allSatisfy { $0.contains("steps/s") && $0.contains("left") })
  }

  @Test func aCurriculumWithDigitsNeedsThem() {
    let digitsCurriculum = Curriculum(
      stages: [CurriculumStage("digits", steps: 1, mix: [(.digits, 1)])], seed: 1)
    #expect {
      _ = try CurriculumTrainer(
        model: tinyModel(seed: 5), curriculum: digitsCurriculum, packer: packer,
        configuration: settings)
    } throws: { "\($0)".contains("Digits.load()") }
  }
}

@Suite("Probes of a model in training")
struct ProbeTests {
  let packer = DocumentPacker(tokenizer: worldTokenizer, slotsPerImage: 2, length: 64)

  @Test func gatesStartClosed() {
    #expect(tinyModel(seed: 6).gateOpenings.allSatisfy { $0 == 0 })
  }

  @Test func theConditionProbeSeesOneWord() throws {
    let model = tinyModel(seed: 7)
    let red = worldTokenizer.encode("draw: a big red circle at the top left")
    let blue = worldTokenizer.encode("draw: a big blue circle at the top left")
    let special = packer.special
    #expect(try model.conditionDifference(red, red, special: special) == 0)
    let difference = try model.conditionDifference(red, blue, special: special)
    #expect(difference > 0 && difference < 2)
    #expect(try model.conditionDifference(blue, red, special: special) == difference)
  }

  @Test func aModelThatLearnedADocumentWritesItsAnswer() throws {
    // Over-fit one question document, then ask it without the answer.
    let model = tinyModel(seed: 8)
    var generator = SeededGenerator(seed: 9)
    let scene = Scene.random(using: &generator)
    let prompt = worldTokenizer.encode("question: what is at 3 4? answer:")
    let answer = worldTokenizer.encode(" small red circle")
    let images = scene.render().tensor.reshaped([1, 3, 32, 32])
    let document = SequenceDocument([.image, .text(prompt + answer)])
    let sequence = try PackedSequence.pack(
      [document], slotsPerImage: 2, length: 64, special: packer.special)
    let batch = InterleavedBatch(sequences: [sequence], images: images)
    let trainer = Trainer(
      model, TrainingConfiguration(steps: 60, learningRate: 1e-2)) {
        $0.hasPrefix("encoder.")
      }
    try trainer.run { _ in
      var draws = SeededGenerator(seed: 10)
      return model.loss(batch, using: &draws).total
    }
    let written = try model.continueText(
      [.image, .text(prompt)], images: images, maxTokens: 8, special: packer.special)
    #expect(written == answer, "\(worldTokenizer.decode(written))")
    // Asked something it never saw, it does not reproduce the answer by accident.
    let other = try model.continueText(
      [.image], images: images, maxTokens: answer.count, special: packer.special)
    #expect(other != answer)
  }
}

@Suite("Starting from the earlier chapters' models")
struct PretrainedPartsTests {
  @Test func chapter3And6ModelsLoadIntoMMITiny() throws {
    // Saved as Chapters 3 and 6 save them (Chapter 6 trains on 64-token windows).
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("pretrained-\(UInt32.random(in: 0...UInt32.max))").path
    try FileManager.default.createDirectory(
      atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var generator = SeededGenerator(seed: 12)
    let encoder = ImageEncoder(using: &generator)
    var languageSettings = LanguageModelConfiguration(vocabularySize: 487)
    languageSettings.contextLength = 64
    let language = LanguageModel(languageSettings, using: &generator)
    func saved(_ name: String) -> SavedModel {
      SavedModel(
        chapter: 3, name: name, fullPath: "\(folder)/\(name)-full",
        quickPath: "\(folder)/\(name)-quick", quickTime: "", fullTime: "")
    }
    try encoder.save(to: saved("encoder").quickPath)
    try language.save(to: saved("language").quickPath)
    let model = MMInterleaved(
      InterleavedConfiguration(vocabularySize: 487), using: &generator)
    let paths = try model.loadPretrainedParts(
      full: false, encoder: saved("encoder"), language: saved("language"))
    #expect(paths == [saved("encoder").quickPath, saved("language").quickPath])
    #expect(model.language.head.weight.data == language.head.weight.data)
    #expect(model.encoder.namedParameters.map(\.tensor.data)
            == encoder.namedParameters.map(\.tensor.data))
    // A missing one names the chapter that makes it.
    #expect {
      _ = try model.loadPretrainedParts(
        full: false, encoder: saved("encoder"), language: saved("absent"))
    } throws: { "\($0)".contains("swift run -c release Chapter03") }
  }
}

@Suite("The null-slot probe")
struct NullSlotTests {
  @Test func measuresTheNullSlotsShare() throws {
    let packer = DocumentPacker(tokenizer: worldTokenizer, slotsPerImage: 2, length: 64)
    var generator = SeededGenerator(seed: 13)
    let batch = try packer.batch(of: 2) {
      try TrainingTask.caption.document(using: &generator)
    }
    let model = tinyModel(seed: 14)
    let fresh = model.nullSlotMass(batch)
    #expect(fresh.count == 2 && fresh.allSatisfy { $0 > 0 && $0 < 1 }, "\(fresh)")
    // Push every point's logit far down: all the attention goes to the null slots.
    for site in model.decoderSynchronizers {
      let bias = site.synchronizer.attentionLogits.bias!
      bias.assign([Float](repeating: -60, count: bias.count))
    }
    let closed = model.nullSlotMass(batch)
    #expect(closed.allSatisfy { $0 > 0.999 }, "\(closed)")
  }
}
