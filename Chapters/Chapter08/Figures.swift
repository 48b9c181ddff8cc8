// Chapter 8's figures: the packed sequence with its masks, and the over-fitting curves.
// The book does not print this file; the page computes what they show.
import Autograd
import Interleaved
import Notebook

/// The colours of the token kinds, shared by the figure and its legend.
enum TokenKind: CaseIterable {
  case structure, text, beginImage, slot, padding

  var color: Color {
    switch self {
    case .structure: Color(200, 200, 200)
    case .text: Color(214, 232, 250)
    case .beginImage: Color(250, 200, 140)
    case .slot: Color(253, 232, 200)
    case .padding: .white
    }
  }
}

/// One row per position of `sequence`: the token (coloured by kind), which images it
/// sees through MMFS, its next-token target (or a dash where the loss does not look),
/// and, per image, the position's index in that image's reversed condition span.
func sequenceFigure(_ sequence: PackedSequence, pieces: [String]) -> Canvas {
  let t = sequence.length, n = sequence.imageCount
  let row = 30, top = 96, left = 70
  let tokenWidth = 150, cell = 44, targetWidth = 150, gap = 24
  let seesX = left + tokenWidth + gap
  let targetX = seesX + n * cell + gap
  let spanX = targetX + targetWidth + gap
  var canvas = Canvas(width: spanX + n * cell + 30, height: top + t * row + 20)
  let visible = sequence.visibility, targets = sequence.textTargets()
  let spans = (0..<n).map { sequence.conditionSpan(ofImage: $0) }
  let special = sequence.special

  func header(_ title: String, x: Int, width: Int, numbered: Bool) {
    canvas.label(title, x: x + width / 2, y: 12)
    guard numbered else { return }
    for j in 0..<n {
      canvas.label("\(j + 1)", x: x + j * cell + cell / 2, y: 58)
    }
  }
  header("token", x: left, width: tokenWidth, numbered: false)
  header("sees image", x: seesX, width: n * cell, numbered: true)
  header("target", x: targetX, width: targetWidth, numbered: false)
  header("condition of", x: spanX, width: n * cell, numbered: true)
  canvas.label("image", x: spanX + n * cell / 2, y: 34)

  for position in 0..<t {
    let y = top + position * row
    let id = sequence.tokens[position]
    let kind: TokenKind =
      id == special.imageSlot ? .slot : id == special.beginImage ? .beginImage
      : id == special.padding ? .padding
      : id == special.beginning || id == special.end ? .structure : .text
    let number = "\(position)"
    canvas.label(
      number, x: left - 10 - Canvas.textWidth(number), y: y + 8, .grey, centred: false)
    canvas.fill(x: left, y: y, width: tokenWidth, height: row - 3, kind.color)
    canvas.label(pieces[position], x: left + 8, y: y + 8, centred: false)
    for j in 0..<n {
      let seen = visible[position * n + j]
      canvas.fill(
        x: seesX + j * cell, y: y, width: cell - 4, height: row - 3,
        seen ? Color.palette[0] : Color.lightGrey)
      if let k = spans[j].firstIndex(of: position) {
        let conditioned = sequence.isConditioned(image: j)
        canvas.fill(
          x: spanX + j * cell, y: y, width: cell - 4, height: row - 3,
          conditioned ? Color.palette[2] : Color.grey)
        canvas.label("\(k)", x: spanX + j * cell + (cell - 4) / 2, y: y + 8, .white)
      }
    }
    let target = targets[position]
    canvas.fill(
      x: targetX, y: y, width: targetWidth, height: row - 3,
      target >= 0 ? Color.palette[1].mixed(with: .white, 0.55) : Color.lightGrey)
    canvas.label(
      target >= 0 ? pieces[position + 1] : "-", x: targetX + 8, y: y + 8,
      target >= 0 ? .black : .grey, centred: false)
  }
  return canvas
}

/// The two losses of the over-fitting run, step by step.
func overfitChart(text: [Double], image: [Double]) -> LineChart {
  var chart = LineChart(
    title: "Over-fitting two documents", xLabel: "step", yLabel: "loss")
  chart.logScaleY = true
  chart.add("text loss", text.enumerated().map { (Double($0.offset), $0.element) })
  chart.add("image loss", image.enumerated().map { (Double($0.offset), $0.element) })
  return chart
}

/// A count with its unit prefix: "929 k", "1.24 T"; `giga` names 10⁹ ("B" for
/// parameters, as in "13 B").
func amount(_ n: Int, giga: String = "G") -> String {
  let value = Double(n)
  return value >= 1e12 ? formatted(value / 1e12, significantDigits: 3) + " T"
    : value >= 1e9 ? formatted(value / 1e9, significantDigits: 3) + " " + giga
    : value >= 1e6 ? formatted(value / 1e6, significantDigits: 3) + " M"
    : value >= 1e3 ? formatted(value / 1e3, significantDigits: 3) + " k" : "\(n)"
}

/// `part` as a percentage of `total`: "35 %", "< 0.1 %".
func percentage(_ part: Int, of total: Int) -> String {
  let percent = 100 * Double(part) / Double(total)
  return percent < 0.1 ? "< 0.1 %" : formatted(percent, significantDigits: 2) + " %"
}
