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
