/// Drawing for the book's architecture diagrams: labelled boxes and arrows, in the same
/// pixel font and palette as the charts, so that a diagram is made by code like every
/// other figure.
extension Canvas {
  /// A box with a border and `lines` of text centred in it; the first line at
  /// `titleScale`, the rest (shapes, notes) at scale 2 in grey.
  public mutating func box(
    _ lines: [String], x: Int, y: Int, width w: Int, height h: Int,
    background: Color = .white, border: Color = .black, titleScale: Int = 2
  ) {
    fill(x: x, y: y, width: w, height: h, border)
    fill(x: x + 2, y: y + 2, width: w - 4, height: h - 4, background)
    let heights = lines.indices.map { $0 == 0 ? 7 * titleScale + 8 : 22 }
    var row = y + (h - heights.reduce(0, +)) / 2 + 4
    for (k, line) in lines.enumerated() {
      let scale = k == 0 ? titleScale : 2
      let ink: Color = k == 0 ? .black : Color(70, 70, 70)
      text(line, x: x + (w - Canvas.textWidth(line, scale: scale)) / 2, y: row,
           scale: scale, ink)
      row += heights[k]
    }
  }

  /// Text centred on `x` (or starting at `x` when `centred` is false).
  public mutating func label(
    _ line: String, x: Int, y: Int, scale: Int = 2, _ color: Color = .black,
    centred: Bool = true
  ) {
    let start = centred ? x - Canvas.textWidth(line, scale: scale) / 2 : x
    text(line, x: start, y: y, scale: scale, color)
  }

  /// A polyline through `points` with an arrowhead at the last point; `dashed` for
  /// paths that are looked up rather than passed along (MMFS reading the maps).
  public mutating func arrow(
    _ points: [(Int, Int)], _ color: Color = .black, thickness: Double = 3,
    dashed: Bool = false
  ) {
    guard points.count >= 2 else { return }
    for k in 1..<points.count {
      let (a, b) = (points[k - 1], points[k])
      if dashed {
        dashedLine(from: a, to: b, color, thickness: thickness)
      } else {
        line(from: (Double(a.0), Double(a.1)), to: (Double(b.0), Double(b.1)),
             thickness: thickness, color)
      }
    }
    arrowhead(at: points[points.count - 1], from: points[points.count - 2], color)
  }

  /// Dashes of 12 pixels with gaps of 8.
  mutating func dashedLine(
    from a: (Int, Int), to b: (Int, Int), _ color: Color, thickness: Double
  ) {
    let (dx, dy) = (Double(b.0 - a.0), Double(b.1 - a.1))
    let length = (dx * dx + dy * dy).squareRoot()
    guard length > 0 else { return }
    var start = 0.0
    while start < length {
      let end = min(start + 12, length)
      line(from: (Double(a.0) + dx * start / length, Double(a.1) + dy * start / length),
           to: (Double(a.0) + dx * end / length, Double(a.1) + dy * end / length),
           thickness: thickness, color)
      start += 20
    }
  }

  /// A filled triangular head pointing from `from` towards `tip`.
  mutating func arrowhead(at tip: (Int, Int), from: (Int, Int), _ color: Color) {
    let (dx, dy) = (Double(tip.0 - from.0), Double(tip.1 - from.1))
    let length = max((dx * dx + dy * dy).squareRoot(), 1)
    let (ux, uy) = (dx / length, dy / length)
    let (size, half) = (16.0, 8.0)
    // Fill the triangle row by row of its length: widths shrink towards the tip.
    for s in stride(from: 0.0, through: size, by: 0.5) {
      let width = half * (1 - s / size)
      let cx = Double(tip.0) - ux * (size - s), cy = Double(tip.1) - uy * (size - s)
      line(from: (cx - uy * width, cy + ux * width),
           to: (cx + uy * width, cy - ux * width), thickness: 1.5, color)
    }
  }

  /// A filled diamond centred on (x, y): a marker for a point of a diagram.
  public mutating func diamond(x: Int, y: Int, _ color: Color, radius: Int = 12) {
    for dy in -radius...radius {
      let half = radius - abs(dy)
      fill(x: x - half, y: y + dy, width: 2 * half + 1, height: 1, color)
    }
  }
}
