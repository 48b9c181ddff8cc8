// Chapter 7's figures and tables: charts of the schedules and the training, sheets of
// images, and the records of the full run. The book does not print this file; the
// page computes what they show.
import Autograd
import Datasets
import Diffusion
import Notebook

/// [B, 1, H, W] images in [−1, 1] as rows of pixels in [0, 1], for figures.
func pictures(_ images: Tensor) -> [[Float]] {
  let n = images.shape[0], size = images.count / n
  return (0..<n).map { i in
    images.data[(i * size)..<((i + 1) * size)].map { ($0 + 1) / 2 }
  }
}

/// √ᾱ_t against t for each named schedule.
func signalChart(_ schedules: [(name: String, schedule: NoiseSchedule)]) -> LineChart {
  var chart = LineChart(title: "How much signal is left", xLabel: "timestep t",
                        yLabel: "signal amplitude sqrt(alpha-bar_t)")
  for (name, schedule) in schedules {
    chart.add(name, values: schedule.alphaBars.map { Double($0.squareRoot()) })
  }
  return chart
}

/// Four digits (rows) noised to each of `steps` (columns) with the same noise.
func forwardSheet(
  _ clean: Tensor, noise: Tensor, schedule: NoiseSchedule, steps: [Int]
) -> Canvas {
  var images: [[Float]] = []
  for example in 0..<4 {
    let x0 = clean.sliced(axis: 0, example..<(example + 1))  // [1, 1, 32, 32]
    let eps = noise.sliced(axis: 0, example..<(example + 1))
    for t in steps {
      images += pictures(t == 0 ? x0 : schedule.noised(x0, at: [t], noise: eps))
    }
  }
  return Canvas.imageSheet(images, width: 32, height: 32, columns: steps.count, zoom: 3,
                           captions: (0..<4).flatMap { _ in steps.map { "t = \($0)" } })
}

/// The U-Net's weights by part, with the total.
func partCountRows(_ unet: UNet) -> [[String]] {
  let parts = [
    ("time embedding", unet.time.parameterCount),
    ("residual blocks", (unet.down + unet.up + [unet.middleFirst, unet.middleSecond])
       .map(\.parameterCount).reduce(0, +)),
    ("cross-attention", (unet.downAttention + unet.upAttention).compactMap { $0 }
       .map(\.parameterCount).reduce(0, +) + unet.middleAttention.parameterCount),
    ("down- and upsampling", (unet.downsample + unet.upsample)
       .map(\.parameterCount).reduce(0, +)),
    ("input and output", unet.input.parameterCount + unet.outputNorm.parameterCount
       + unet.output.parameterCount),
  ]
  return parts.map { [$0.0, "\($0.1)"] } + [["total", "\(unet.parameterCount)"]]
}

/// The mean of `values` over windows of `width`, one point per window.
func windowMeans(_ values: [Double], width: Int) -> [(x: Double, y: Double)] {
  stride(from: 0, to: values.count - width + 1, by: width).map { start in
    (Double(start + width), values[start..<(start + width)].reduce(0, +) / Double(width))
  }
}

/// The loss curve (and, in a full run, the judge's readings during training and the
/// record of both for the book).
func saveTrainingFigures(
  _ chapter: Chapter, losses: [Double], window: Int, checks: [(x: Double, y: Double)],
  summary: String
) throws {
  var lossChart = LineChart(title: "Noise-prediction loss", xLabel: "step",
                            yLabel: "mean squared error")
  lossChart.add("mean over \(window) steps", windowMeans(losses, width: window))
  lossChart.logScaleY = true
  try lossChart.save(to: chapter.figurePath("loss"))
  var checkChart = LineChart(title: "Samples read as the digit asked for",
                             xLabel: "step", yLabel: "% of 50 (DDIM-10, guidance 3)")
  checkChart.add("classified as asked", [(0, 10)] + checks, showsPoints: true)
  if let progressPath = chapter.fullRunFigurePath("progress"),
    let lossPath = chapter.fullRunFigurePath("loss")
  {
    try checkChart.save(to: progressPath)
    try lossChart.save(to: lossPath)
    let readings = checks.map { "\(Int($0.x)): \(rounded: $0.y)%" }
    try chapter.recordFullRun("training", """
      \(summary) Share of the 50 quick samples read as asked, by step: \
      \(readings.joined(separator: ", ")).

      ![The noise-prediction loss of the full run.](\(lossPath)){width=75%}

      ![How often the judge reads the full run's quick samples as the digit asked for, \
      during training.](\(progressPath)){width=75%}
      """)
  }
}

/// Per digit asked for: how many samples the judge read as asked, and its most common
/// other reading.
func perDigitRows(asked: [Int], read: [Int], names: [String]) -> [[String]] {
  (0..<10).map { d -> [String] in
    let mine = asked.indices.filter { asked[$0] == d }
    let right = mine.filter { read[$0] == d }.count
    var counts = [Int](repeating: 0, count: 10)
    for i in mine { counts[read[i]] += 1 }
    counts[d] = -1
    let confusion = counts.indices.max { counts[$0] < counts[$1] }!
    return [names[d], "\(right) of \(mine.count)",
            counts[confusion] > 0 ? "\(names[confusion]) (\(counts[confusion]))" : "-"]
  }
}

/// The sheet of samples, `perClass` per digit in rows, captioned with the judge's
/// reading where it differs.
func sampleSheet(_ samples: Tensor, asked: [Int], read: [Int], perClass: Int) -> Canvas {
  let perDigit = min(perClass, 10)
  let shown = (0..<10).flatMap { d in (0..<perDigit).map { d * perClass + $0 } }
  // One sample per digit: one row of ten (a column of ten would run down a page).
  return Canvas.imageSheet(
    shown.map { pictures(samples.sliced(axis: 0, $0..<($0 + 1)))[0] },
    width: 32, height: 32, columns: perDigit == 1 ? 10 : perDigit,
    zoom: perDigit == 1 ? 3 : 2,
    captions: shown.map { read[$0] == asked[$0] ? "" : "\(read[$0])?" })
}

/// A full run's samples for the book: the per-digit table, a summary, the sheet.
func recordSamples(
  _ chapter: Chapter, sheet: Canvas, table: String, summary: String, perClass: Int
) throws {
  guard let path = chapter.fullRunFigurePath("samples") else { return }
  try sheet.writePNG(to: path)
  try chapter.recordFullRun("samples", table + """


    \(summary)

    ![Samples of the full run, \(min(perClass, 10)) for each digit from zero to nine \
    (rows), captioned with the judge's reading where it differs.](\(path)){width=70%}
    """)
}

/// x_t and the predicted clean image at up to eight of the traced steps, for each
/// traced digit (two rows each).
func denoisingSheet(_ traced: [(t: Int, x: [[Float]], clean: [[Float]])], digits: Int)
  -> Canvas
{
  let shownSteps = Array(Set((0..<8).map { $0 * (traced.count - 1) / 7 })).sorted()
  var images: [[Float]] = [], captions: [String] = []
  for d in 0..<digits {
    for row in 0..<2 {
      for k in shownSteps {
        images.append(row == 0 ? traced[k].x[d] : traced[k].clean[d])
        captions.append(row == 0 ? "x at \(traced[k].t)" : "x0 guess")
      }
    }
  }
  return Canvas.imageSheet(images, width: 32, height: 32, columns: shownSteps.count,
                           zoom: 3, captions: captions)
}

/// The guidance sheet (one row per scale, digits zero to nine) and the chart of the
/// share read as asked; written to the figures, and in a full run recorded for the book
/// with `table` and `note`.
func saveGuidanceFigures(
  _ chapter: Chapter, images: [[Float]], scales: [Float],
  accuracy: [(x: Double, y: Double)], table: String, note: String
) throws {
  let sheet = Canvas.imageSheet(
    images, width: 32, height: 32, columns: 10, zoom: 2,
    rowLabels: scales.map { "w = \(formatted($0))" })
  try sheet.writePNG(to: chapter.figurePath("guidance"))
  var chart = LineChart(title: "Guidance: following the prompt",
                        xLabel: "guidance scale w", yLabel: "% classified as asked")
  chart.add("classified as asked", accuracy, showsPoints: true)
  if let sheetPath = chapter.fullRunFigurePath("guidance"),
    let chartPath = chapter.fullRunFigurePath("guidance-chart")
  {
    try sheet.writePNG(to: sheetPath)
    try chart.save(to: chartPath)
    try chapter.recordFullRun("guidance", table + """


      \(note)

      ![Samples of the full run at each guidance scale (rows), asking for zero to nine \
      (columns), from the same starting noise.](\(sheetPath)){width=80%}

      ![Share of samples classified as asked, against the guidance \
      scale.](\(chartPath)){width=65%}
      """)
  }
}

/// `body`'s result and the seconds it took.
func timed<T>(_ body: () -> T) -> (T, Double) {
  var result: T?
  let seconds = secondsTaken { result = body() }
  return (result!, seconds)
}

/// The U-Net as a U: the way down on the left, the middle at the bottom, the way up on
/// the right, skip connections across, and a marker where Chapter 8's MMFS features
/// enter (every skip and the middle). `shapes` are the hook's shapes from a real pass,
/// skips from fine to coarse and then the middle; `sizes` and `channels` per level.
func unetFigure(shapes: [[Int]], sizes: [Int], channels: [Int], imageChannels: Int)
  -> Canvas {
  var canvas = Canvas(width: 1300, height: 720)
  canvas.label("MMI-Tiny's U-Net and where MMFS enters", x: 650, y: 12, scale: 3)
  let (boxWidth, boxHeight) = (300, 84)
  let (leftX, rightX) = (40, 960)
  func levelY(_ level: Int) -> Int { 130 + level * 150 }
  let (block, attention) = (Color.white.mixed(with: Color.palette[5], 0.22),
                            Color.white.mixed(with: Color.palette[4], 0.3))
  let hook = Color.palette[2]
  canvas.box(["input: x_t", "\(imageChannels) × \(sizes[0])², 3×3 conv"],
             x: leftX, y: 50, width: boxWidth, height: 56)
  canvas.box(["output: predicted noise", "norm, SiLU, 3×3 conv"],
             x: rightX, y: 50, width: boxWidth, height: 56)
  for level in sizes.indices {
    let y = levelY(level)
    let withAttention = level > 0
    let title = withAttention ? "res block + cross-attn" : "res block"
    let note = "\(sizes[level])², \(channels[level]) channels"
    canvas.box([title, note], x: leftX, y: y, width: boxWidth, height: boxHeight,
               background: withAttention ? attention : block)
    canvas.box([title, note], x: rightX, y: y, width: boxWidth, height: boxHeight,
               background: withAttention ? attention : block)
    // The skip connection, with the hook on it.
    let skipY = y + boxHeight / 2
    canvas.arrow([(leftX + boxWidth, skipY), (rightX, skipY)])
    canvas.diamond(x: 650, y: skipY, hook)
    canvas.label("skip \(level): \(shapes[level])", x: 650, y: skipY + 16, .grey)
    if level + 1 < sizes.count {
      canvas.arrow([(leftX + 80, y + boxHeight), (leftX + 80, levelY(level + 1))])
      canvas.label("downsample", x: leftX + 90, y: y + boxHeight + 24, .grey,
                   centred: false)
      canvas.arrow([(rightX + 80, levelY(level + 1)), (rightX + 80, y + boxHeight)])
      canvas.label("upsample ×2", x: rightX + 90, y: y + boxHeight + 24, .grey,
                   centred: false)
    }
  }
  canvas.arrow([(leftX + 80, 106), (leftX + 80, levelY(0))])
  canvas.arrow([(rightX + 80, levelY(0)), (rightX + 80, 106)])
  // The middle block, below the coarsest level.
  let last = sizes.count - 1
  let middleY = levelY(last) + 150
  canvas.box(["middle: res, cross-attn, res",
              "\(sizes[last])², \(channels[last]) channels"],
             x: 450, y: middleY, width: 400, height: boxHeight, background: attention)
  canvas.arrow([(leftX + 150, levelY(last) + boxHeight), (leftX + 150, middleY + 42),
                (450, middleY + 42)])
  canvas.arrow([(850, middleY + 42), (rightX + 150, middleY + 42),
                (rightX + 150, levelY(last) + boxHeight)])
  canvas.diamond(x: 980, y: middleY + 42, hook)
  canvas.label("middle: \(shapes[last + 1])", x: 980, y: middleY + 58, .grey)
  // The legend.
  canvas.diamond(x: 470, y: 70, hook)
  canvas.label("MMFS enters here (Chapter 8)", x: 490, y: 63, centred: false)
  canvas.label("every res block adds the time embedding; cross-attn reads the condition",
               x: 650, y: 700, .grey)
  return canvas
}
