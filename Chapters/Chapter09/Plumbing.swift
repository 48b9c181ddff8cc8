// Chapter 9's plumbing: what the run watches along the way, kept in its checkpoints,
// and the evaluations' bookkeeping. The book does not print this file; the page shows
// what it measures.
import Autograd
import Datasets
import Interleaved
import Language
import Layers
import Notebook
import Platform
import Training

/// What the chapter watches every so often while the model trains: the decoder gates
/// tanh(α), the share of attention MMFS gives its null slots, and the condition
/// difference of two prompts that differ in one colour word.
struct Watch {
  var steps: [Int] = []
  var gates: [[Float]] = []
  var nullMass: [[Float]] = []
  var conditionDifference: [Float] = []

  /// One reading of `model` after step `step`.
  mutating func read(
    _ model: MMInterleaved, after step: Int, probe: InterleavedBatch,
    prompts: ([Int], [Int]), special: SpecialTokens
  ) throws {
    steps.append(step)
    gates.append(model.gateOpenings)
    nullMass.append(model.nullSlotMass(probe))
    conditionDifference.append(
      try model.conditionDifference(prompts.0, prompts.1, special: special))
  }

  /// The readings as one line of text per step (bit patterns: a resumed run redraws
  /// the same figures), for the checkpoint's notes.
  var encoded: String {
    steps.indices.map { i in
      ([Float(steps[i])] + gates[i] + nullMass[i] + [conditionDifference[i]])
        .map { String($0.bitPattern) }.joined(separator: " ")
    }.joined(separator: ",")
  }

  init() {}

  /// Readings saved by `encoded`, for `sites` Synchronizers.
  init(encoded text: String, sites: Int) {
    for line in text.split(separator: ",") {
      let values = line.split(separator: " ").compactMap { UInt32($0) }
        .map(Float.init(bitPattern:))
      guard values.count == 2 + 2 * sites else { continue }
      steps.append(Int(values[0]))
      gates.append(Array(values[1...sites]))
      nullMass.append(Array(values[(1 + sites)...(2 * sites)]))
      conditionDifference.append(values[1 + 2 * sites])
    }
  }
}

/// Each task's losses, averaged over windows of `window` of its own steps, against the
/// step: text tasks' text loss, drawing tasks' image loss.
func taskCurves(_ records: [StepRecord], window: Int)
  -> [(TrainingTask, [(x: Double, y: Double)])]
{
  TrainingTask.allCases.compactMap { task in
    let mine = records.filter { $0.task == task }
    guard mine.count >= window else { return nil }
    let points = stride(from: 0, to: mine.count - window + 1, by: window).map { start in
      let slice = mine[start..<(start + window)]
      let loss = slice.reduce(0) { $0 + Double(task.drawsImages ? $1.image : $1.text) }
      return (x: Double(slice.last!.step + 1), y: loss / Double(window))
    }
    return (task, points)
  }
}

/// Chapter 2's classifier's reading of drawn digits ([B, 3, 32, 32] in [0, 1]): the
/// channels averaged to grey and halved to the 16² it reads.
func readDigitsOf(_ images: Tensor, judge: DigitCNN) -> [Int] {
  withoutGradient {
    let (b, side) = (images.shape[0], images.shape[2])
    let grey = images.mean(axis: 1).reshaped([b, 1, side, side])  // [B, 1, 32, 32]
    return judge.scores(averagePool(grey, factor: 2)).argmaxLastAxis()  // [B]
  }
}

/// A duration in whole minutes and seconds: "12 min 5 s".
func minutes(_ seconds: Double) -> String {
  let whole = Int(seconds.rounded())
  return whole >= 60 ? "\(whole / 60) min \(whole % 60) s" : "\(whole) s"
}

/// The parts of MMI-Tiny that make the U-Net's condition from the decoder's states.
let conditionPath = ["conditionProjection.", "conditionResampler.", "nullCondition"]

/// The parts of MMI-Tiny that read: the decoder, its Synchronizers, and the visual
/// resampler that makes the eight visual tokens (the encoder is frozen throughout).
let readingSide = [
  "language.", "decoderSynchronizers.", "visualProjection.", "visualResampler.",
  "beginImageVector",
]

/// A side run: the model saved at `path`, trained `steps` more steps on `mix` (with
/// `frozen` held still), and the condition difference of `prompts` read before and
/// every `every` steps. The main run is not touched.
func conditionTrace(
  from path: String, configuration: InterleavedConfiguration, packer: DocumentPacker,
  mix: [(task: TrainingTask, weight: Int)], frozen: [String], steps: Int, every: Int,
  prompts: ([Int], [Int]), seed: UInt64
) throws -> [(step: Int, difference: Float)] {
  var generator = SeededGenerator(seed: seed)
  let model = MMInterleaved(configuration, using: &generator)
  _ = try model.load(from: path)
  let curriculum = Curriculum(
    stages: [CurriculumStage("trial", steps: steps, mix: mix, frozen: frozen)],
    seed: seed)
  let settings = TrainingConfiguration(
    steps: steps, learningRate: 1e-3, warmupSteps: min(100, steps / 4),
    minimumLearningRate: 1e-4)
  let run = try CurriculumTrainer(
    model: model, curriculum: curriculum, packer: packer, configuration: settings)
  let read = {
    try model.conditionDifference(prompts.0, prompts.1, special: packer.special)
  }
  var trace = [(step: 0, difference: try read())]
  try run.run { step in
    if (step + 1) % every == 0 { trace.append((step + 1, try read())) }
  }
  return trace
}

/// What the run draws every so often while it trains: two scenes from maps, two from
/// words and two digits, always from the same noise, so that the drawings of one row
/// differ only in how far the model has trained. Each set of drawings goes to a PNG
/// file of its own (a reader can open them while the run goes on; a resumed run finds
/// the earlier ones there).
struct SampleWatch {
  let folder: String
  let documents: [SequenceDocument]
  let earlierImages: [[Tensor]]
  /// What each row asks for, as a picture: the map, the true scene, a real digit.
  let asked: [[Float]]
  let labels: [String]

  init(folder: String, tokenizer: BPETokenizer, digits: Digits) {
    self.folder = folder
    var random = SeededGenerator(seed: 104)
    let mapScenes = (0..<2).map { _ in Scene.random(using: &random) }
    let wordScenes = (0..<2).map { _ in Scene.random(objectCount: 1, using: &random) }
    let digitIndices = [3, 7].map { digit in digits.labels.firstIndex(of: digit)! }
    let scenePrompt = tokenizer.encode("scene:")
    documents =
      mapScenes.map { _ in SequenceDocument([.image, .text(scenePrompt), .image]) }
      + wordScenes.map {
        SequenceDocument([.text(tokenizer.encode("draw: " + $0.caption)), .image])
      }
      + digitIndices.map {
        SequenceDocument([.text(tokenizer.encode("the digit \(digits.labels[$0])")),
                          .image])
      }
    earlierImages =
      mapScenes.map { [$0.segmentationImage().tensor] } + Array(repeating: [], count: 4)
    asked =
      mapScenes.map { $0.segmentationImage().pixels }
      + wordScenes.map { $0.render().pixels }
      + digitIndices.map { digits.image($0).pixels }
    labels =
      ["map", "map"]
      + wordScenes.map { "\($0.objects[0].color.name) \($0.objects[0].shape.name)" }
      + digitIndices.map { "digit \(digits.labels[$0])" }
  }

  func path(after step: Int) -> String {
    folder + "/step-" + String(repeating: "0", count: max(0, 5 - "\(step)".count))
      + "\(step).png"
  }

  /// Draws the samples with `model` as it is after `step` and writes them, side by
  /// side, to this step's file.
  func draw(_ model: MMInterleaved, after step: Int, special: SpecialTokens) throws {
    var random = SeededGenerator(seed: 105)
    let drawn = try model.drawLastImages(
      of: documents, images: earlierImages, special: special, using: &random)
    var strip = Canvas(width: 32 * documents.count, height: 32)
    for (i, picture) in pixelLists(drawn).enumerated() {
      strip.paste(rgb: picture, width: 32, height: 32, x: 32 * i, y: 0, zoom: 1)
    }
    let file = path(after: step)
    try makeFolders(containing: file)
    try strip.writePNG(to: file)
  }

  /// One row per sample, one column per reading step (the first column: what was
  /// asked), from the files written so far for `steps`.
  func sheet(steps: [Int]) throws -> Canvas {
    let strips = try steps.map { try Canvas.readPNG(from: path(after: $0)) }
    var images: [[Float]] = []
    for row in documents.indices {
      images.append(asked[row])
      for strip in strips {
        // The row's 32 × 32 square of the strip, as [H, W, 3] values in [0, 1].
        let bytes = (0..<32).flatMap { y in
          let start = (y * strip.width + 32 * row) * 3
          return strip.pixels[start..<(start + 32 * 3)]
        }
        images.append(bytes.map { Float($0) / 255 })
      }
    }
    return Canvas.imageSheet(
      images, width: 32, height: 32, columns: steps.count + 1, zoom: 2,
      captions: ["asked"] + steps.map { "\($0)" }, rowLabels: labels)
  }
}

/// How many images of `task` the run drew in stage `stage` (0-based), as a line for the
/// page: "4800 (1200 steps of 4)".
func imagesDrawn(
  _ task: TrainingTask, inStage stage: Int, of curriculum: Curriculum,
  records: [StepRecord]
) -> String {
  let starts = curriculum.stageStarts + [curriculum.totalSteps]
  let steps = records.filter {
    $0.task == task && (starts[stage]..<starts[stage + 1]).contains($0.step)
  }.count
  let batch = curriculum.documentsPerBatch[task]!
  return "\(steps * batch) (\(steps) step\(steps == 1 ? "" : "s") of \(batch))"
}
