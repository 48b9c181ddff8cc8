// Chapter 3's figures: sheets of scenes, maps and stories, the pre-training charts,
// and pictures of what the trained encoder sees. The book does not print this file;
// the page computes what they show.
import Autograd
import Datasets
import Notebook
import Vision

/// Scenes with their captions.
func scenesSheet(_ scenes: [Scene]) -> Canvas {
  Canvas.captionedSheet(scenes.map { $0.render().pixels }, width: 32, height: 32,
                        zoom: 3, captions: scenes.map(\.caption))
}

/// Each scene beside its segmentation map.
func segmentationSheet(_ scenes: [Scene]) -> Canvas {
  let images = scenes.flatMap { [$0.render().pixels, $0.segmentationImage().pixels] }
  return Canvas.imageSheet(
    images, width: 32, height: 32, columns: 6, zoom: 4,
    captions: scenes.indices.flatMap { ["scene \($0 + 1)", "its map"] })
}

/// The frames of a story, in order.
func storySheet(_ story: Story) -> Canvas {
  Canvas.imageSheet(story.frames.map { $0.render().pixels }, width: 32, height: 32,
                    columns: story.frames.count, zoom: 6,
                    captions: (1...story.frames.count).map { "frame \($0)" })
}

/// The two losses per step, and held-out retrieval against chance.
func pretrainingCharts(
  history: [(step: Double, clip: Double, segmentation: Double)],
  retrieval: [(x: Double, y: Double)], steps: Int, chapter: Chapter
) throws {
  var lossChart = LineChart(title: "Pre-training losses", xLabel: "step",
                            yLabel: "cross-entropy")
  lossChart.logScaleY = true
  lossChart.add("contrastive (image-caption)", history.map { ($0.step, $0.clip) })
  lossChart.add("segmentation (per pixel)", history.map { ($0.step, $0.segmentation) })
  try lossChart.save(to: chapter.figurePath("pretraining-loss"))
  var retrievalChart = LineChart(title: "Held-out retrieval: own caption among 32",
                                 xLabel: "step", yLabel: "accuracy (%)")
  retrievalChart.add("image to caption", retrieval.map { ($0.x, 100 * $0.y) },
                     showsPoints: true)
  retrievalChart.add("chance", [(0, 100.0 / 32), (Double(steps), 100.0 / 32)])
  retrievalChart.legendPosition = .bottomRight
  try retrievalChart.save(to: chapter.figurePath("retrieval"))
  if let path = chapter.fullRunFigurePath("retrieval") {
    try retrievalChart.save(to: path)
    try chapter.recordFullRun("pretraining", """
      ![The full run's pre-training: held-out retrieval over \(steps) steps, against the
      chance level of 1 in 32.](\(path)){width=90%}
      """)
  }
}

/// Each scene, its true map and the map predicted (`predicted`: 1,024 classes a scene).
func predictionSheet(_ scenes: [Scene], predicted: [Int]) -> Canvas {
  var images: [[Float]] = []
  for (k, scene) in scenes.enumerated() {
    let classes = Array(predicted[k * 1024..<(k + 1) * 1024])
    let drawn = Scene(objects: [], background: scene.background)
    images += [scene.render().pixels, scene.segmentationImage().pixels,
               drawn.segmentationImage(classes: classes).pixels]
  }
  return Canvas.imageSheet(
    images, width: 32, height: 32, columns: 6, zoom: 4,
    captions: scenes.indices.flatMap { _ in ["scene", "truth", "predicted"] })
}

/// Each scene beside the last layer's attention (averaged over heads) from the patch
/// at the centre of its first object (outlined), stretched from weakest to strongest.
func attentionSheet(_ vit: VisionTransformer, scenes: [Scene]) -> Canvas {
  var images: [[Float]] = []
  for scene in scenes {
    let image = scene.render()
    let maps = vit.attentionMaps(image.tensor.reshaped([1, 3, 32, 32]))
    let last = maps[maps.count - 1].mean(axis: 1)  // [B, M, M], averaged over heads
    let object = scene.objects[0]
    let query = (4 * object.row + 2) / 4 * 8 + (4 * object.column + 2) / 4
    let weights = Array(last.data[(query * 64)..<(query * 64 + 64)])
    let (low, high) = (weights.min()!, weights.max()!)
    var overlay = image.pixels
    for y in 0..<32 {
      for x in 0..<32 {
        let patch = (y / 4) * 8 + x / 4
        let w = (weights[patch] - low) / max(high - low, 1e-9)  // stretched to [0, 1]
        let edge = x % 4 == 0 || x % 4 == 3 || y % 4 == 0 || y % 4 == 3
        let onBorder = patch == query && edge
        for c in 0..<3 {
          let i = (y * 32 + x) * 3 + c
          let heat: Float = c == 0 ? w : c == 1 ? w * w : 0.2 * (1 - w)
          overlay[i] = onBorder ? 1 : 0.3 * overlay[i] + 0.7 * heat
        }
      }
    }
    images += [image.pixels, overlay]
  }
  return Canvas.imageSheet(
    images, width: 32, height: 32, columns: 2 * scenes.count, zoom: 4,
    captions: scenes.flatMap { _ in ["scene", "attention"] })
}

/// A scene and the response strength of each pyramid map: the length of each cell's
/// feature vector after removing the position code, stretched to the image's size.
func pyramidSheet(_ encoder: ImageEncoder, scene: Scene) -> Canvas {
  let maps = withoutGradient {
    encoder(scene.render().tensor.reshaped([1, 3, 32, 32])).maps
  }
  var images: [[Float]] = [scene.render().pixels]
  for map in maps {
    let (c, h, w) = (map.shape[1], map.shape[2], map.shape[3])
    let positions = sinCosPositions(channels: c, height: h, width: w)  // [C, H, W]
    let content = map.reshaped([c, h, w]) - positions
    let strength = (content * content).sum(axis: 0).sqrt().data  // [H·W]
    let (low, high) = (strength.min()!, strength.max()!)
    let scaled = strength.map { ($0 - low) / max(high - low, 1e-6) }
    let zoom = 32 / h
    var big = [Float](repeating: 0, count: 1024)
    for y in 0..<32 {
      for x in 0..<32 { big[y * 32 + x] = scaled[(y / zoom) * w + x / zoom] }
    }
    images.append(big.flatMap { [$0, $0, $0] })
  }
  return Canvas.imageSheet(images, width: 32, height: 32, columns: 4, zoom: 5,
                           captions: ["scene", "16x16", "8x8", "4x4"])
}

/// The whole of MMI-Tiny as boxes and arrows, each box tinted by the chapter that
/// builds it, with the shapes that flow between them. Dashed: MMFS reading the maps.
func pipelineFigure() -> Canvas {
  var canvas = Canvas(width: 1470, height: 860)
  func tint(_ k: Int) -> Color { Color.white.mixed(with: Color.palette[k], 0.22) }
  let (encoder, resampler, synchronizer) = (tint(0), tint(1), tint(2))
  let (language, diffusion, whole) = (tint(4), tint(5), tint(3))
  canvas.label("MMI-Tiny: what flows where", x: 735, y: 12, scale: 3)
  // Band 1: an image becomes 8 visual tokens.
  canvas.box(["image", "3 × 32 × 32"], x: 30, y: 80, width: 190, height: 90)
  canvas.box(["ViT (Ch. 3)", "4 layers, width 64", "→ 64 tokens × 64"],
             x: 280, y: 65, width: 250, height: 120, background: encoder)
  canvas.box(["resampler (Ch. 4)", "64 → 8 tokens", "Linear 64 → 128"],
             x: 590, y: 65, width: 290, height: 120, background: resampler)
  canvas.arrow([(220, 125), (280, 125)])
  canvas.arrow([(530, 125), (590, 125)])
  // Band 2: the pyramid, and MMFS reading it (dashed).
  canvas.box(["pyramid (Ch. 3)", "16², 8², 4² maps", "× 64 channels"],
             x: 280, y: 250, width: 250, height: 120, background: encoder)
  canvas.arrow([(405, 185), (405, 250)])
  for (k, line) in ["MMFS (Ch. 5):", "deformable attention into",
                    "the maps of earlier images"].enumerated() {
    canvas.label(line, x: 900, y: 246 + 22 * k, Color.palette[2].mixed(with: .black, 0.3))
  }
  let mmfs = Color.palette[2]
  canvas.arrow([(530, 320), (1100, 320), (1100, 470)], mmfs, dashed: true)
  canvas.arrow([(555, 320), (555, 730), (610, 730)], mmfs, dashed: true)
  // Band 3: text and visual tokens in one sequence, read by the decoder.
  canvas.box(["text", "\"a red circle\""], x: 30, y: 480, width: 190, height: 90)
  canvas.box(["tokenizer (Ch. 6)", "BPE ids → vectors", "× 128"],
             x: 280, y: 465, width: 250, height: 120, background: language)
  canvas.box(["one sequence (Ch. 8)", "<s> text <img> <image>×8", "T × 128"],
             x: 600, y: 465, width: 330, height: 120, background: whole)
  canvas.box(["decoder (Ch. 6)", "4 layers, width 128", "MMFS in layers 0, 2"],
             x: 965, y: 470, width: 270, height: 110, background: language)
  canvas.box(["next token", "logits over V"], x: 1265, y: 480, width: 185, height: 90)
  canvas.arrow([(220, 525), (280, 525)])
  canvas.arrow([(530, 525), (600, 525)])
  canvas.arrow([(735, 185), (735, 465)])
  canvas.label("fill the <image> slots", x: 745, y: 400, centred: false)
  canvas.arrow([(930, 525), (965, 525)])
  canvas.arrow([(1235, 525), (1265, 525)])
  // Band 4: the decoder's states condition the U-Net, which draws the next image.
  canvas.box(["condition (Ch. 8)", "states up to <img>,", "reversed → 8 × 128"],
             x: 965, y: 700, width: 270, height: 120, background: whole)
  canvas.box(["U-Net (Ch. 7)", "32², 16², 8² levels", "MMFS at every skip"],
             x: 610, y: 700, width: 300, height: 120, background: diffusion)
  canvas.box(["next image", "3 × 32 × 32"], x: 280, y: 715, width: 190, height: 90)
  canvas.arrow([(1100, 580), (1100, 700)])
  canvas.arrow([(965, 760), (910, 760)])
  canvas.arrow([(610, 790), (470, 790)])
  canvas.label("DDIM", x: 540, y: 800, .grey)
  return canvas
}

/// The predictions sheet of the run; a full run also records it, with `summary`, for
/// the book.
func saveSegmentationFigures(
  _ scenes: [Scene], predicted: [Int], summary: String, chapter: Chapter
) throws {
  let predictions = predictionSheet(scenes, predicted: predicted)
  try predictions.writePNG(to: chapter.figurePath("segmentation-predictions"))
  guard let path = chapter.fullRunFigurePath("segmentation-predictions") else { return }
  try predictions.writePNG(to: path)
  try chapter.recordFullRun("segmentation", """
    \(summary).

    ![Held-out scenes, their true maps and the maps the fully trained pyramid
    predicts.](\(path)){width=90%}
    """)
}
