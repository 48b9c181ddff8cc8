import Autograd
import Datasets
import Interleaved
import Language
import Layers
import Notebook
import Training

extension Bench {
  /// One curriculum training step of MMI-Tiny per task, at the curriculum's default
  /// batch sizes (what Chapter 9's stages cost), with a tokenizer trained here on the
  /// world's text (Chapter 6's has about the same vocabulary).
  func trainingBench() {
    var generator = SeededGenerator(seed: 21)
    var texts: [String] = []
    for _ in 0..<300 {
      let scene = Scene.random(using: &generator)
      texts += ["caption: " + scene.caption, "draw: " + scene.caption, "scene:"]
      texts += scene.questionsAndAnswers().map { "question: \($0.0) answer: \($0.1)" }
      texts += scene.referringExpressions().map { "find: " + $0.expression }
    }
    let tokenizer = BPETokenizer.train(on: texts, vocabularySize: 487)
    let packer = DocumentPacker(tokenizer: tokenizer)
    let digits = try? Digits.load()
    let model = MMInterleaved(
      InterleavedConfiguration(vocabularySize: tokenizer.vocabularySize),
      using: &generator)
    let tasks = TrainingTask.allCases.filter { $0 != .digits || digits != nil }
    print("Curriculum training steps of MMI-Tiny, by task (default batch sizes):")
    print("  " + "task".padded(22) + "documents".padded(11, left: true)
          + "sequences".padded(11, left: true) + "images".padded(8, left: true)
          + "step".padded(11, left: true))
    for task in tasks {
      let curriculum = Curriculum(
        stages: [CurriculumStage(task.rawValue, steps: 1_000, mix: [(task, 1)])],
        seed: 22)
      guard
        let run = try? CurriculumTrainer(
          model: model, curriculum: curriculum, packer: packer, digits: digits,
          configuration: TrainingConfiguration(steps: 0))
      else { continue }
      let (_, batch) = try! curriculum.batch(at: 0, packer: packer, digits: digits)
      var step = 0
      let seconds = bestSeconds(repeats: repeats) {
        step += 1
        try! run.run(until: step)
      }
      print("  " + task.rawValue.padded(22)
            + "\(curriculum.documentsPerBatch[task]!)".padded(11, left: true)
            + "\(batch.sequences.count)".padded(11, left: true)
            + "\(batch.images.shape[0])".padded(8, left: true)
            + formattedDuration(seconds).padded(11, left: true))
      FigureLog.shared.record(
        "training step, \(task.rawValue)", 1000 * seconds, unit: "ms")
    }
    print("")
  }
}
