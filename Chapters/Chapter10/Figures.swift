// Chapter 10's figures: the ablations' arms as dots (one per seed) on a bar (their
// mean), and documents written by the model as rows of text and images.
import Autograd
import Evaluation
import Notebook

/// One panel per score: a row per arm, a bar to the seeds' mean, a dot per seed, and
/// the yardstick as a vertical grey line.
func ablationChart(
  title: String, _ results: [AblationResult], arms: [AblationArm], scores: [String],
  yardstick: [String: Double], percents: Set<String>
) -> Canvas {
  let label = arms.map { Canvas.textWidth($0.name) }.max()! + 60
  let panel = 300, rowHeight = 34, top = 70
  var canvas = Canvas(
    width: label + panel * scores.count + 20, height: top + rowHeight * arms.count + 70)
  canvas.text(title, x: 20, y: 16)
  let colours = [Color(31, 119, 180), Color(214, 39, 40)]
  for (p, score) in scores.enumerated() {
    let left = label + p * panel
    let values = results.compactMap { $0.scores[score] } + [yardstick[score] ?? 0]
    let largest = max(values.filter(\.isFinite).max() ?? 1, 1e-9) * 1.1
    let x = { (value: Double) in Double(left) + Double(panel - 40) * value / largest }
    canvas.text(score, x: left, y: top - 26)
    canvas.line(
      from: (Double(left), Double(top - 6)),
      to: (Double(left), Double(top + rowHeight * arms.count)), thickness: 1, .black)
    if let floor = yardstick[score], floor.isFinite {
      let bottom = Double(top + rowHeight * arms.count)
      canvas.line(
        from: (x(floor), Double(top - 6)), to: (x(floor), bottom), thickness: 2,
        Color(170, 170, 170))
    }
    for (row, arm) in arms.enumerated() {
      let y = top + row * rowHeight + rowHeight / 2
      let mine = results.filter { $0.arm == arm.name }.compactMap { $0.scores[score] }
      guard !mine.isEmpty else { continue }
      let mean = mine.reduce(0, +) / Double(mine.count)
      canvas.fill(
        x: left, y: y - 8, width: max(Int(x(mean)) - left, 1), height: 16,
        Color(200, 215, 235))
      for (k, value) in mine.enumerated() {
        canvas.dot(x: x(value), y: Double(y), radius: 5, colours[k % colours.count])
      }
    }
    canvas.text(
      "0", x: left - 4, y: top + rowHeight * arms.count + 10)
    let highest = largest / 1.1
    if highest > 1e-6 {
      let end =
        percents.contains(score) ? percent(highest) : "\(rounded: highest, digits: 2)"
      canvas.text(end, x: Int(x(highest)) - Canvas.textWidth(end) / 2,
                  y: top + rowHeight * arms.count + 10)
    }
  }
  for (row, arm) in arms.enumerated() {
    canvas.text(arm.name, x: 20, y: top + row * rowHeight + rowHeight / 2 - 7)
  }
  canvas.text(
    "bar: mean of the seeds; dots: seed 1 (blue), seed 2 (red); grey: blind yardstick",
    x: 20, y: top + rowHeight * arms.count + 42)
  return canvas
}

/// A document as a row: each image at `zoom`, each text piece wrapped beside it; what
/// the model added is underlined in blue. The row is as wide as its pieces need.
func documentRow(_ pieces: [DocumentPiece], images: [Tensor]) -> Canvas {
  let zoom = 3, side = 32 * zoom, gap = 10
  let widths = pieces.map { piece -> Int in
    if case .text(let text, _) = piece {
      return Canvas.wrap(text.trimmingCharacters(in: .whitespaces), to: 22)
        .map { Canvas.textWidth($0) }.max() ?? 0
    }
    return side
  }
  let width = widths.reduce(10) { $0 + $1 + gap } + 10
  var x = 10
  var canvas = Canvas(width: width, height: side + 40)
  for piece in pieces {
    switch piece {
    case .image(let index, let isNew):
      guard x + side < width else { break }
      let picture = pixelLists(images[index].reshaped([1, 3, 32, 32]))[0]
      canvas.paste(rgb: picture, width: 32, height: 32, x: x, y: 10, zoom: zoom)
      if isNew {
        canvas.fill(x: x, y: side + 14, width: side, height: 4, Color(31, 119, 180))
      }
      x += side + gap
    case .text(let text, let isNew):
      let lines = Canvas.wrap(text.trimmingCharacters(in: .whitespaces), to: 22)
      let textWidth = (lines.map { Canvas.textWidth($0) }.max() ?? 0)
      guard x + textWidth < width else { break }
      for (k, line) in lines.enumerated() { canvas.text(line, x: x, y: 14 + 18 * k) }
      if isNew {
        canvas.fill(x: x, y: 18 + 18 * lines.count, width: textWidth, height: 3,
                    Color(31, 119, 180))
      }
      x += textWidth + gap
    }
  }
  return canvas
}

/// Rows stacked into one figure, each with a label above it.
func stacked(_ rows: [(label: String, canvas: Canvas)]) -> Canvas {
  let width = rows.map(\.canvas.width).max() ?? 100
  let height = rows.reduce(0) { $0 + $1.canvas.height + 24 } + 10
  var canvas = Canvas(width: width, height: height)
  var y = 6
  for (label, row) in rows {
    canvas.text(label, x: 10, y: y)
    y += 20
    for dy in 0..<row.height {
      for column in 0..<row.width {
        canvas.set(x: column, y: y + dy, row.color(x: column, y: dy))
      }
    }
    y += row.height + 4
  }
  return canvas
}
