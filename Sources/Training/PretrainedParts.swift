import Interleaved
import Language
import Layers
import Vision

extension MMInterleaved {
  /// Loads the parts the earlier chapters trained, as MM-Interleaved starts from
  /// pre-trained CLIP and Vicuna: Chapter 3's image encoder (kept frozen) and Chapter
  /// 6's instruction-tuned language model. A full run takes their full runs' files
  /// when they exist. Returns the files read; a missing one throws an error that names
  /// the chapter to run.
  public func loadPretrainedParts(
    full: Bool, encoder savedEncoder: SavedModel = ImageEncoder.savedByChapter3,
    language savedLanguage: SavedModel = LanguageModel.savedByChapter6
  ) throws -> [String] {
    let encoderPath = try savedEncoder.load(into: encoder, full: full)
    let languagePath = try savedLanguage.load(into: language, full: full)
    return [encoderPath, languagePath]
  }
}

extension MMInterleaved {
  /// MMI-Tiny as Chapter 9's curriculum leaves it (the end of its last stage): the
  /// model Chapter 10 and the `Generate` command use.
  public static let savedByChapter9 = SavedModel(
    chapter: 9, name: "the trained MMI-Tiny",
    fullPath: "Checkpoints/ch09-stage3.safetensors",
    quickPath: "Checkpoints/ch09-stage3-quick.safetensors", quickTime: "~40 s",
    fullTime: "~45 min on two cores, or `make demo`")
}
