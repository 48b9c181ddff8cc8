import Autograd
import Datasets
import Interleaved
import Language
import Layers
import Platform
import Training

// MARK: book:layout-ablation-train
/// Table 6(c): segmentation map → scene. Each arm trains the U-Net (with or without
/// its MMFS) from scratch on "[map] scene: [scene]" documents, four to a step (four
/// scenes drawn), starting from the parts Chapters 3 and 6 saved; the decoder and the
/// condition path are held, as in Chapter 9's second stage.
public enum LayoutAblation {
  static let documentsPerStep = 4

  public static func train(
    _ arm: AblationArm, seed: UInt64, budget: AblationBudget, tokenizer: BPETokenizer,
    full: Bool
  ) throws -> (model: MMInterleaved, seconds: Double) {
    try trainArm(
      arm, seed: seed, budget: budget, tokenizer: tokenizer, full: full,
      learning: drawingParts
    ) { model, packer, step in
      var documents = stepGenerator(seed: seed, step: step)
      let batch = try packer.batch(of: documentsPerStep) {
        try TrainingTask.segmentationToImage.document(using: &documents)
      }
      return model.loss(batch, using: &documents).image
    }
  }
  // MARK: end

  /// Each map's scene drawn by `model` ("[map] scene: [drawn]") with DDIM in `steps`
  /// steps, [N, 3, 32, 32].
  public static func draw(
    _ scenes: [Scene], with model: MMInterleaved, tokenizer: BPETokenizer, seed: UInt64,
    steps: Int = 25
  ) throws -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let prompt = tokenizer.encode("scene:")
    return try model.drawLastImages(
      of: scenes.map { _ in SequenceDocument([.image, .text(prompt), .image]) },
      images: scenes.map { [$0.segmentationImage().tensor] },
      special: SpecialTokens(tokenizer), steps: steps, using: &generator)
  }

  /// The names of the scores, in the order tables show them.
  public static let scoreNames = ["layout IoU", "object mIoU", "all-class mIoU"]

  /// How well images read as `drawn` (class maps, by Chapter 3's reader) match the
  /// `truth` maps: the layout IoU (any object against background, per image, averaged),
  /// the mean IoU over the object classes and over all classes (summed over images).
  public static func scores(drawn: [[Int]], truth: [[Int]]) -> [String: Double] {
    let layout = zip(drawn, truth).map { layoutIoU($0, $1) }
    return [
      "layout IoU": layout.reduce(0, +) / Double(layout.count),
      "object mIoU": meanIoU(
        drawn, truth, classes: SegmentationClass.count, excluding: [0]),
      "all-class mIoU": meanIoU(drawn, truth, classes: SegmentationClass.count),
    ]
  }
}
