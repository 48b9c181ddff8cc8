import Autograd
import Language
import Layers
import Vision

/// Why a checkpoint could not become a parity case.
struct ParityError: Error, CustomStringConvertible {
  let description: String
}

/// Parity cases from the checkpoints the chapters saved: the twin loads the same file
/// into its own model, under the same names, and must compute what ours computed.
enum CheckpointCases {
  /// The model a checkpoint holds, told by its names (and Chapter 2–3's metadata).
  enum Kind: String {
    case digitClassifier = "DigitCNN", imageEncoder = "ImageEncoder"
    case miniCLIP = "MiniCLIP", segmentationHead = "segmentation head"
    case languageModel = "LanguageModel", interleaved = "MMInterleaved"
  }

  static func kind(of tensors: [String: Tensor], metadata: [String: String]) -> Kind? {
    if let named = metadata["model"].flatMap(Kind.init(rawValue:)) { return named }
    if tensors["beginImageVector"] != nil { return .interleaved }
    if tensors["embedding.table"] != nil && tensors["head.weight"] != nil {
      return .languageModel
    }
    return nil
  }

  static func record(
    _ path: String, using generator: inout SeededGenerator
  ) throws -> ParityCase {
    let (tensors, metadata) = try SafeTensors.read(from: path, requiresChecksum: true)
    guard let kind = kind(of: tensors, metadata: metadata) else {
      throw ParityError(
        description: "\(path): not a checkpoint of a model the twin knows (no "
          + "'model' metadata, and its tensor names match no model of the book)")
    }
    if kind == .interleaved {
      let vocabulary = tensors["language.embedding.table"]!.shape[0]
      return try ModelCases.savedModel(
        at: path, vocabulary: vocabulary, using: &generator)
    }
    var record = ParityCase(
      caseName(forCheckpoint: path),
      settings: ["checkpoint": path, "kind": kind.rawValue])
    try withoutGradient {
      switch kind {
      case .digitClassifier:
        let model = DigitCNN(using: &generator)
        try model.load(from: path)
        let images = Tensor.uniform([2, 1, 16, 16], using: &generator)
        record.input("images", images)
        record.output("scores", model.scores(images))
      case .imageEncoder:
        let model = ImageEncoder(using: &generator)
        try model.load(from: path)
        let images = Tensor.uniform([2, 3, 32, 32], using: &generator)
        record.input("images", images)
        let (tokens, maps) = model(images)
        record.output("tokens", tokens)
        for (level, map) in maps.enumerated() { record.output("map\(level)", map) }
      case .miniCLIP:
        let shape = tensors["text.embedding.table"]!.shape
        let length = tensors["text.positions"]!.shape[0]
        let model = MiniCLIP(
          vision: VisionTransformer(using: &generator), vocabulary: shape[0],
          textLength: length, using: &generator)
        try model.load(from: path)
        let images = Tensor.uniform([2, 3, 32, 32], using: &generator)
        // Two captions, the second padded (id 0) after 10 characters.
        let ids = (0..<(2 * length)).map { i in
          i >= length + 10 ? 0 : 1 + generator.nextInt(below: shape[0] - 1)
        }
        record.input("images", images)
        record.input("texts", integers: ids, shape: [2, length])
        record.output("imageEmbeddings", model.embedImages(images))
        record.output("textEmbeddings", model.embedTexts(ids, batch: 2))
        record.output("loss", model.loss(images: images, texts: ids))
      case .segmentationHead:
        let shape = tensors["weight"]!.shape
        let head = Conv2d(shape[1], shape[0], kernel: 1, using: &generator)
        try head.load(from: path)
        let maps = Tensor.normal([2, shape[1], 16, 16], using: &generator)
        record.input("maps", maps)
        record.output("scores", head(maps))
      case .languageModel:
        let vocabulary = tensors["embedding.table"]!.shape[0]
        let model = LanguageModel(
          LanguageModelConfiguration(vocabularySize: vocabulary), using: &generator)
        try model.load(from: path)
        let ids = (0..<24).map { _ in generator.nextInt(below: vocabulary) }
        record.input("tokens", integers: ids, shape: [2, 12])
        record.output("logits", model(ids, batch: 2))
      case .interleaved:
        break
      }
    }
    return record
  }
}
