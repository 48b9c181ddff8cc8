// Chapter 5's figures: where a trained Synchronizer looks. The book does not print this
// file; the page asks the layer for its sampling pattern and shows what this file draws.
import Autograd
import Datasets
import Notebook
import Synchronizer

/// The query (latent) that puts the most attention on the image, its sampling points
/// and weights, and sentences saying where it looks and how far its points moved.
struct StrongestLook {
  let heads: Int, levels: Int, points: Int
  let latent: Int  // 0-based
  let locations: [Float]  // [h, P, 2]
  let weights: [Float]  // [h, L, P], null slots left out
  let summary: [String]

  /// From a sampling pattern of 8 latents over one image (locations [1, 8, 1, h, P, 2],
  /// weights [1, 8, h, 1, L, P + 1]); `start` is where the points sat before training
  /// (the offsets' initial bias, in grid units, around the centre).
  init(
    _ pattern: (locations: Tensor, weights: Tensor),
    configuration: SynchronizerConfiguration, initialBias: [Float]
  ) {
    (heads, levels, points) =
      (configuration.heads, configuration.levels, configuration.points)
    let (groups, p) = (heads * levels, points)
    func pointWeights(latent: Int, group: Int) -> ArraySlice<Float> {
      let start = (latent * groups + group) * (p + 1)
      return pattern.weights.data[start..<(start + p)]
    }
    let looked = (0..<8).map { latent in
      (0..<groups).map { pointWeights(latent: latent, group: $0).reduce(0, +) }
        .reduce(0, +)
    }
    let chosen = looked.indices.max { looked[$0] < looked[$1] }!
    latent = chosen
    weights = (0..<groups).flatMap { pointWeights(latent: chosen, group: $0) }
    let perLatent = heads * p * 2
    locations = Array(
      pattern.locations.data[chosen * perLatent..<(chosen + 1) * perLatent])
    let imageShare = 100 * looked[chosen] / Float(heads)
    var lines = [
      "Latent \(chosen + 1) of 8 puts \(rounded: imageShare)% of its "
        + "attention on the image, the rest on null slots."
    ]
    for head in 0..<heads {
      let span = levels * p
      let own = weights[(head * span)..<((head + 1) * span)]
      let best = own.indices.max { own[$0] < own[$1] }!
      let level = (best - head * span) / p
      let share = 100 * own[best] / max(own.reduce(0, +), 1e-9)
      lines.append(
        "Head \(head + 1): its strongest point has \(rounded: share)% of its "
          + "image weight, at level \(["16²", "8²", "4²"][level]).")
    }
    // At initialisation the offsets' weight is zero, so every point sat at the image
    // centre plus its bias.
    let start = initialBias.map { 0.5 + $0 / configuration.baseGrid }
    let locations = self.locations
    let moves: [Float] = (0..<(heads * p)).map { i -> Float in
      let (dx, dy) = (locations[2 * i] - start[2 * i],
                      locations[2 * i + 1] - start[2 * i + 1])
      return 32 * (dx * dx + dy * dy).squareRoot()
    }
    let (meanMove, largestMove) = (moves.reduce(0, +) / Float(moves.count), moves.max()!)
    lines.append(
      "Points moved \(rounded: meanMove) px on average from their start "
        + "(largest \(rounded: largestMove) px).")
    summary = lines
  }

  /// The points over `scene`: heads across, levels down.
  func figure(of scene: Scene) -> Canvas {
    samplingFigure(scene: scene, locations: locations, weights: weights, heads: heads,
                   levels: levels, points: points)
  }
}

/// The figure of one query's sampling points over `scene`: heads across, levels down.
func samplingFigure(
  scene: Scene, locations: [Float], weights: [Float], heads: Int, levels: Int,
  points: Int
) -> Canvas {
  let (zoom, margin, label) = (5, 20, 24)
  let side = 32 * zoom + 2 * margin
  var canvas = Canvas(width: label + heads * side, height: label + levels * side)
  let strongest = max(weights.max() ?? 1, 1e-6)
  let first = scene.objectsInReadingOrder[0]
  for head in 0..<heads {
    canvas.text("head \(head + 1)", x: label + head * side + side / 2 - 30, y: 4)
    for level in 0..<levels {
      let (x0, y0) = (label + head * side, label + level * side)
      if head == 0 {
        let name = ["16x16", "8x8", "4x4"][level]
        canvas.text(name, x: 2, y: y0 + side / 2 + Canvas.textWidth(name) / 2,
                    vertical: true)
      }
      canvas.fill(x: x0 + 2, y: y0 + 2, width: side - 4, height: side - 4, .lightGrey)
      canvas.fill(x: x0 + margin - 1, y: y0 + margin - 1, width: 32 * zoom + 2,
                  height: 32 * zoom + 2, .grey)
      canvas.paste(rgb: scene.render().pixels, width: 32, height: 32,
                   x: x0 + margin, y: y0 + margin, zoom: zoom)
      let (cx, cy) = first.centre, r = first.size.radius + 1.5
      let corners = [(-r, -r), (r, -r), (r, r), (-r, r), (-r, -r)].map {
        (Double(x0 + margin) + Double((cx + $0.0) * Float(zoom)),
         Double(y0 + margin) + Double((cy + $0.1) * Float(zoom)))
      }
      for i in 0..<4 {
        canvas.line(from: corners[i], to: corners[i + 1], thickness: 2, Color.palette[2])
      }
      for point in 0..<points {
        let w = Double(weights[(head * levels + level) * points + point] / strongest)
        let at = locations[(head * points + point) * 2..<(head * points + point) * 2 + 2]
        let (px, py) = (Double(x0 + margin) + Double(at.first!) * Double(32 * zoom),
                        Double(y0 + margin) + Double(at.last!) * Double(32 * zoom))
        canvas.dot(x: px, y: py, radius: 3 + 5 * w.squareRoot(), .black)
        canvas.dot(x: px, y: py, radius: 2 + 5 * w.squareRoot(),
                   Color.white.mixed(with: Color.palette[3], w))
      }
    }
  }
  return canvas
}


/// One token's reading by an MMFS layer, head 1: a column per image and a row per
/// level, each map's cells drawn as a grid with the sampling points as dots (area ∝
/// weight), and under each map the weight of its null slot. Images the token may not
/// see are greyed. `pattern` is the layer's `samplingPattern` for one token
/// (locations [1, 1, N, h, P, 2], weights [1, 1, h, N, L, P + 1]).
func synchronizerFigure(
  _ pattern: (locations: Tensor, weights: Tensor), visible: [Bool], recency: [Int],
  sizes: [Int]
) -> Canvas {
  let (n, l) = (pattern.weights.shape[3], pattern.weights.shape[4])
  let (p, h) = (pattern.weights.shape[5] - 1, pattern.weights.shape[2])
  let (side, gapX, gapY, left, top) = (190, 80, 76, 110, 110)
  var canvas = Canvas(width: left + n * (side + gapX) - 40,
                      height: top + l * (side + gapY))
  let title = "one softmax over \(n) images × \(l) levels × (\(p) points + null)"
  canvas.label(title, x: canvas.width / 2, y: 14, scale: 2)
  for image in 0..<n {
    let x0 = left + image * (side + gapX)
    let name = visible[image] ? "image \(image + 1): recency \(recency[image])"
      : "image \(image + 1): not yet seen"
    canvas.label(name, x: x0 + side / 2, y: 60)
    for level in 0..<l {
      let y0 = top + level * (side + gapY)
      if image == 0 {
        canvas.label("\(sizes[level])×\(sizes[level])", x: 50, y: y0 + side / 2 - 7)
      }
      canvas.fill(x: x0, y: y0, width: side, height: side,
                  visible[image] ? .white : .lightGrey)
      for k in 0...sizes[level] {  // the map's cells
        let offset = k * side / sizes[level]
        canvas.fill(x: x0 + offset, y: y0, width: 1, height: side, Color(200, 200, 200))
        canvas.fill(x: x0, y: y0 + offset, width: side, height: 1, Color(200, 200, 200))
      }
      canvas.line(from: (Double(x0 + side / 2 - 6), Double(y0 + side / 2)),
                  to: (Double(x0 + side / 2 + 6), Double(y0 + side / 2)), .black)
      canvas.line(from: (Double(x0 + side / 2), Double(y0 + side / 2 - 6)),
                  to: (Double(x0 + side / 2), Double(y0 + side / 2 + 6)), .black)
      let weightBase = (image * l + level) * (p + 1)  // head 0
      for point in 0..<p {
        let location = (image * h * p + point) * 2  // head 0
        let u = pattern.locations.data[location]
        let v = pattern.locations.data[location + 1]
        let weight = Double(pattern.weights.data[weightBase + point])
        guard visible[image] else { continue }
        canvas.dot(x: Double(x0) + Double(u) * Double(side),
                   y: Double(y0) + Double(v) * Double(side),
                   radius: 2 + 30 * weight.squareRoot(), Color.palette[3])
      }
      let pointsWeight = pattern.weights.data[weightBase..<(weightBase + p)].reduce(0, +)
      let null = pattern.weights.data[weightBase + p]
      canvas.label("points \(formatted(pointsWeight, significantDigits: 2))",
                   x: x0 + side / 2, y: y0 + side + 8, .grey)
      canvas.label("null \(formatted(null, significantDigits: 2))",
                   x: x0 + side / 2, y: y0 + side + 28, .grey)
    }
  }
  return canvas
}

/// `synchronizerFigure` for one random token of a freshly made MMI-Tiny layer that has
/// seen two images (recency 2 and 1) and not yet a third.
func freshSynchronizerFigure() -> Canvas {
  var random = SeededGenerator(seed: 51)
  let layer = MultiModalFeatureSynchronizer(using: &random)
  let token = Tensor.normal([1, 1, 128], using: &random)  // [B, T, Cq]
  let visible = [true, true, false]
  let pattern = layer.samplingPattern(
    token, reference: Tensor(shape: [1, 1, 2], data: [0.5, 0.5]), images: 3,
    visible: visible)
  return synchronizerFigure(pattern, visible: visible, recency: [2, 1, 0],
                            sizes: [16, 8, 4])
}

/// The figure of where the strongest query looks; a full run also records it, with the
/// summary lines, for the book.
func savePointsFigures(_ look: StrongestLook, scene: Scene, chapter: Chapter) throws {
  let figure = look.figure(of: scene)
  try figure.writePNG(to: chapter.figurePath("points"))
  guard let path = chapter.fullRunFigurePath("points") else { return }
  try figure.writePNG(to: path)
  try chapter.recordFullRun("points", """
    ![Sampling points of one query of the K = 8 + MMFS reader after the full run, per
    head (columns) and level (rows); larger, darker points carry more attention. The
    first object in reading order, the one the question asks about, is \
    outlined.](\(path)){width=90%}

    \(look.summary.map { "- " + $0 }.joined(separator: "\n"))
    """)
}
