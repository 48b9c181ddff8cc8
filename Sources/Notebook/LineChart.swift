import Autograd
import Platform

/// A line chart of one or more series, drawn from the numbers a chapter computed.
/// `save(to:)` writes the PNG and, beside it, a CSV of the same numbers so a reader
/// can check the figure.
public struct LineChart {
  public struct Series {
    public var name: String
    public var points: [(x: Double, y: Double)]
    public var showsPoints: Bool
    public init(
      _ name: String, _ points: [(x: Double, y: Double)], showsPoints: Bool = false
    ) {
      self.name = name
      self.points = points
      self.showsPoints = showsPoints
    }
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var series: [Series] = []
  public var logScaleX = false
  public var logScaleY = false
  public var width = 1000, height = 560
  /// Where the legend box goes: put it where it hides no data.
  public var legendPosition = LegendPosition.topRight

  public enum LegendPosition: Sendable { case topRight, topLeft, bottomRight, bottomLeft }

  public init(title: String, xLabel: String, yLabel: String) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
  }

  public mutating func add(
    _ name: String, _ points: [(x: Double, y: Double)],
    showsPoints: Bool = false
  ) {
    series.append(Series(name, points, showsPoints: showsPoints))
  }

  public mutating func add(_ name: String, values: [Double], showsPoints: Bool = false) {
    add(
      name, values.enumerated().map { (Double($0.offset), $0.element) },
      showsPoints: showsPoints)
  }

  /// Draws the chart.
  public func render() -> Canvas {
    var canvas = Canvas(width: width, height: height)
    let plot = (left: 120, top: 60, right: width - 30, bottom: height - 80)
    let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
    let xs = all.map { transform($0.x, logScaleX) },
      ys = all.map { transform($0.y, logScaleY) }
    let xAxis = Axis(xs.min() ?? 0, xs.max() ?? 1, logarithmic: logScaleX)
    let yAxis = Axis(ys.min() ?? 0, ys.max() ?? 1, logarithmic: logScaleY)
    func px(_ x: Double) -> Double {
      Double(plot.left) + xAxis.fraction(transform(x, logScaleX))
        * Double(plot.right - plot.left)
    }
    func py(_ y: Double) -> Double {
      Double(plot.bottom) - yAxis.fraction(transform(y, logScaleY))
        * Double(plot.bottom - plot.top)
    }
    // Grid and tick labels.
    for tick in yAxis.ticks {
      let y = Int(
        Double(plot.bottom) - yAxis.fraction(tick) * Double(plot.bottom - plot.top))
      canvas.fill(
        x: plot.left, y: y, width: plot.right - plot.left, height: 1, .lightGrey)
      let label = yAxis.label(tick)
      canvas.text(label, x: plot.left - 10 - Canvas.textWidth(label), y: y - 7)
    }
    for tick in xAxis.ticks {
      let x = Int(
        Double(plot.left) + xAxis.fraction(tick) * Double(plot.right - plot.left))
      canvas.fill(x: x, y: plot.top, width: 1, height: plot.bottom - plot.top, .lightGrey)
      let label = xAxis.label(tick)
      canvas.text(label, x: x - Canvas.textWidth(label) / 2, y: plot.bottom + 10)
    }
    // Frame, title, axis labels.
    canvas.fill(
      x: plot.left, y: plot.bottom, width: plot.right - plot.left, height: 2, .black)
    canvas.fill(
      x: plot.left, y: plot.top, width: 2, height: plot.bottom - plot.top, .black)
    canvas.text(
      title, x: (width - Canvas.textWidth(title, scale: 3)) / 2, y: 15, scale: 3)
    // Axis titles a size larger than the tick labels where they fit: they must stay
    // legible when the chart is printed at three quarters of the text width.
    let xScale = Canvas.textWidth(xLabel, scale: 3) <= plot.right - plot.left ? 3 : 2
    let yScale = Canvas.textWidth(yLabel, scale: 3) <= plot.bottom - plot.top ? 3 : 2
    canvas.text(
      xLabel, x: (plot.left + plot.right - Canvas.textWidth(xLabel, scale: xScale)) / 2,
      y: height - 38, scale: xScale)
    canvas.text(
      yLabel, x: 14,
      y: (plot.top + plot.bottom + Canvas.textWidth(yLabel, scale: yScale)) / 2,
      scale: yScale, vertical: true)
    // Data.
    for (k, s) in series.enumerated() {
      let color = Color.palette[k % Color.palette.count]
      let points = s.points.filter { $0.x.isFinite && $0.y.isFinite }
      for (a, b) in zip(points, points.dropFirst()) {
        canvas.line(from: (px(a.x), py(a.y)), to: (px(b.x), py(b.y)), thickness: 3, color)
      }
      if s.showsPoints || points.count == 1 {
        for p in points { canvas.dot(x: px(p.x), y: py(p.y), radius: 5, color) }
      }
    }
    drawLegend(on: &canvas, plot: plot)
    return canvas
  }

  func drawLegend(
    on canvas: inout Canvas, plot: (left: Int, top: Int, right: Int, bottom: Int)
  ) {
    guard series.count > 1 else { return }
    let textWidth = series.map { Canvas.textWidth($0.name) }.max() ?? 0
    let boxWidth = textWidth + 60, boxHeight = series.count * 24 + 12
    let x: Int, y: Int
    switch legendPosition {
    case .topRight: (x, y) = (plot.right - boxWidth - 10, plot.top + 10)
    case .topLeft: (x, y) = (plot.left + 12, plot.top + 10)
    case .bottomRight: (x, y) = (plot.right - boxWidth - 10, plot.bottom - boxHeight - 10)
    case .bottomLeft: (x, y) = (plot.left + 12, plot.bottom - boxHeight - 10)
    }
    canvas.fill(x: x, y: y, width: boxWidth, height: boxHeight, .grey)
    canvas.fill(x: x + 1, y: y + 1, width: boxWidth - 2, height: boxHeight - 2, .white)
    for (k, s) in series.enumerated() {
      let rowY = y + 10 + k * 24
      canvas.fill(
        x: x + 10, y: rowY + 5, width: 30, height: 4,
        Color.palette[k % Color.palette.count])
      canvas.text(s.name, x: x + 48, y: rowY)
    }
  }

  /// Writes the PNG to `path` and the numbers to the same name with `.csv`.
  public func save(to path: String) throws {
    try render().writePNG(to: path)
    var csv = "series,x,y\n"
    for s in series {
      for p in s.points {
        csv +=
          "\(s.name),\(formatted(p.x, significantDigits: 6)),"
          + "\(formatted(p.y, significantDigits: 6))\n"
      }
    }
    let csvPath =
      path.hasSuffix(".png") ? String(path.dropLast(4)) + ".csv" : path + ".csv"
    try writeTextFile(csv, to: csvPath)
  }
}

func transform(_ v: Double, _ logarithmic: Bool) -> Double { logarithmic ? log10(v) : v }

/// An axis range with "nice" ticks (steps of 1, 2 or 5 × 10ᵏ; decades when
/// logarithmic). Values are in transformed (log10 if logarithmic) units.
struct Axis {
  let low: Double, high: Double
  let ticks: [Double]
  let logarithmic: Bool

  init(_ minimum: Double, _ maximum: Double, logarithmic: Bool) {
    self.logarithmic = logarithmic
    var (lo, hi) = (minimum, maximum)
    if hi - lo < 1e-12 { (lo, hi) = (lo - 0.5, hi + 0.5) }
    if logarithmic {
      lo = floor(lo)
      hi = ceil(hi)
      ticks = stride(from: lo, through: hi, by: 1).map { $0 }
    } else {
      let rough = (hi - lo) / 5
      let magnitude = pow(10, floor(log10(rough)))
      let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough }!
      lo = floor(lo / step) * step
      hi = ceil(hi / step) * step
      ticks = stride(from: lo, through: hi + step / 2, by: step).map { $0 }
    }
    low = lo
    high = hi
  }

  func fraction(_ v: Double) -> Double { (v - low) / (high - low) }

  func label(_ tick: Double) -> String {
    logarithmic
      ? formatted(pow(10, tick), significantDigits: 3)
      : formatted(Swift.abs(tick) < 1e-12 ? 0 : tick, significantDigits: 3)
  }
}

