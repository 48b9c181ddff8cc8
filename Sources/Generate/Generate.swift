import ArgumentParser
import Autograd
import Datasets
import Evaluation
import Interleaved
import Language
import Layers
import Notebook
import Platform

/// `swift run -c release Generate`: the trained MMI-Tiny continues a document a reader
/// gives, writing text and drawing images, into an HTML page.
@main
struct Generate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Continue an interleaved document with the trained MMI-Tiny.",
    discussion: """
      The prompt is text with <image> where an image goes. The files given with \
      --image fill the markers in order; a last <image> with no file left is drawn \
      by the model first. The model then writes on, drawing an image whenever it \
      writes <img>, until it writes </s> or reaches --max-tokens.

      Examples:
        Generate --prompt "caption: <image>" --image scene.png
        Generate --prompt "draw: a big red circle at the top left <image>"
        Generate --prompt "<image> scene: <image>" --image map.png
      """)

  @Option(help: "The document to continue: text, with <image> where an image goes.")
  var prompt: String

  @Option(
    name: .customLong("image"),
    help: "A 32×32 PNG for the prompt's next <image> (repeat for several).")
  var images: [String] = []

  @Option(help: "The seed of the sampler and of the noise images are drawn from.")
  var seed: UInt64 = 1

  @Option(help: "DDIM steps per image drawn (1–200).")
  var steps = 25

  @Option(help: "Classifier-free guidance scale (1: none; the book uses 3).")
  var guidance: Float = 3

  @Option(help: "Sampling temperature (0: always the likeliest token).")
  var temperature: Float = 0

  @Option(help: "At most this many new text tokens.")
  var maxTokens = 40

  @Option(help: "At most this many images drawn.")
  var maxImages = 2

  @Option(help: "The folder to write the page (index.html) and its images into.")
  var output = "Generated"

  @Option(help: "A checkpoint of MMI-Tiny (default: the end of Chapter 9's run).")
  var checkpoint: String?

  @Flag(help: "Use the quick run's model and tokenizer (barely trained: for trying).")
  var quick = false

  @Option(help: "Worker threads.")
  var threads = 1

  func validate() throws {
    guard (1...200).contains(steps) else {
      throw ValidationError("--steps must be 1–200 (the schedule has 200), got \(steps)")
    }
    guard guidance >= 0 else {
      throw ValidationError("--guidance must be ≥ 0 (1 is none), got \(guidance)")
    }
    guard temperature >= 0 else {
      throw ValidationError("--temperature must be ≥ 0, got \(temperature)")
    }
    guard maxTokens >= 0, maxImages >= 0 else {
      throw ValidationError("--max-tokens and --max-images must be ≥ 0")
    }
    guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1") }
  }

  func run() throws {
    if _isDebugAssertConfiguration() {
      printError(
        "WARNING: this is a debug build, 30–200× slower. Run it as "
          + "`swift run -c release Generate …`.")
    }
    Engine.configure(threads: threads)
    do {
      try generate()
    } catch let error as CleanExit {
      throw error
    } catch {
      printError("Generate: \(error)")
      throw ExitCode(1)
    }
  }

  func generate() throws {
    let (tokenizer, _) = try BPETokenizer.savedByChapter6(full: !quick)
    let parsed = try InterleavedPrompt(prompt, tokenizer: tokenizer)
    if !parsed.unknownCharacters.isEmpty {
      printError("note: " + parsed.unknownCharactersNote)
    }
    guard parsed.imageCount == images.count || parsed.imageCount == images.count + 1
    else {
      throw GenerationError(
        description: "the prompt has \(parsed.imageCount) <image> markers and "
          + "\(images.count) --image files; give one file per marker (the last marker "
          + "may be left without, for the model to draw)")
    }
    let pictures = try images.map(Self.loadImage)
    let model = try loadModel(vocabularySize: tokenizer.vocabularySize)
    let side = model.configuration.unetSide
    let generation = InterleavedGeneration(
      special: SpecialTokens(tokenizer), slotsPerImage: model.configuration.visualTokens,
      imageSide: side, sampler: Sampler(temperature: temperature),
      maxTokens: maxTokens, maxImages: maxImages, steps: steps, guidance: guidance)
    let reader = CachedInterleavedReader(model, steps: steps, guidance: guidance)
    var drawing = 0
    reader.progress = { done, total in
      printError("\rdrawing image \(drawing + 1): step \(done) of \(total)", ending: "")
      if done == total { printError("") }
    }
    var generator = SeededGenerator(seed: seed)
    var session = reader
    let document = try generation.continue(
      parsed.items, images: pictures, reader: &session, using: &generator
    ) { index, _ in drawing = index + 1 }
    try write(document, tokenizer: tokenizer)
  }

  /// The trained model, or an error that says which command makes it.
  func loadModel(vocabularySize: Int) throws -> MMInterleaved {
    var generator = SeededGenerator(seed: 0)  // overwritten by the file
    let model = MMInterleaved(
      InterleavedConfiguration(vocabularySize: vocabularySize), using: &generator)
    guard let checkpoint else {
      let saved = MMInterleaved.savedByChapter9
      let path = try saved.load(into: model, full: !quick)
      if !quick && path != saved.fullPath {
        printError(
          "note: \(saved.fullPath) is missing, so this is the quick run's barely "
            + "trained model; `make demo` trains the real one (about 45 minutes)")
      }
      return model
    }
    do {
      try model.load(from: checkpoint)
    } catch {
      throw GenerationError(
        description: "\(checkpoint) cannot be used: \(error). Is it a checkpoint of "
          + "Chapter 9's model, with the tokenizer of the same run (--quick for the "
          + "quick run's)?")
    }
    return model
  }

  /// A 32×32 PNG as the model reads an image: [3, 32, 32] in [0, 1].
  static func loadImage(_ path: String) throws -> Tensor {
    let canvas = try Canvas.readPNG(from: path, size: (32, 32))
    let pixels = canvas.pixels.map { Float($0) / 255 }  // [H, W, 3]
    return RGBImage(width: 32, height: 32, pixels: pixels).tensor
  }

  /// The page and its images, and the document as text on standard output.
  func write(_ document: GeneratedDocument, tokenizer: BPETokenizer) throws {
    try makeFolders(containing: output + "/index.html")
    var files: [String] = []
    for (index, image) in document.images.enumerated() {
      let name = "image-\(index + 1).png"
      var canvas = Canvas(width: 32, height: 32)
      let picture = pixelLists(image.reshaped([1, 3, 32, 32]))[0]  // [H, W, 3]
      canvas.paste(rgb: picture, width: 32, height: 32, x: 0, y: 0, zoom: 1)
      try canvas.writePNG(to: output + "/" + name)
      files.append(name)
    }
    let settings =
      "prompt \"\(prompt)\" · seed \(seed) · \(steps) DDIM steps · guidance "
      + "\(guidance) · temperature \(temperature) · \(quick ? "quick" : "full") model"
    let page = document.html(
      tokenizer, imageFiles: files, title: "MMI-Tiny continues a document",
      settings: settings)
    try writeFileAtomically(Array(page.utf8), to: output + "/index.html")
    print(document.transcript(tokenizer))
    print("written: \(output)/index.html and \(files.count) image(s)")
  }
}

/// A line on standard error (progress and notes stay out of the printed document).
func printError(_ text: String, ending: String = "\n") {
  writeToStandardError(text + ending)
}
