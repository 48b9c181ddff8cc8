// Appendix A's figure: a training step's time per operation, forward and backward.
import Autograd
import Notebook

/// Horizontal bars, slowest operation on top: forward time (blue) then backward time
/// (orange), in milliseconds, with each bar's total at its end.
func profileFigure(_ profile: [OperationTime], top: Int) -> Canvas {
  let rows = Array(profile.prefix(top))
  let (left, right, rowHeight, topMargin) = (290, 90, 34, 70)
  let width = 1100, height = topMargin + rows.count * rowHeight + 50
  var canvas = Canvas(width: width, height: height)
  let longest = rows.map(\.seconds).max() ?? 1
  let scale = Double(width - left - right) / longest  // pixels per second
  let (forwardColor, backwardColor) = (Color.palette[0], Color.palette[1])
  canvas.text("one MMI-Tiny training step, per operation (ms)", x: left, y: 14)
  canvas.fill(x: left, y: 44, width: 16, height: 14, forwardColor)
  canvas.text("forward", x: left + 24, y: 44)
  canvas.fill(x: left + 140, y: 44, width: 16, height: 14, backwardColor)
  canvas.text("backward", x: left + 164, y: 44)
  for (k, entry) in rows.enumerated() {
    let y = topMargin + k * rowHeight
    canvas.text(
      entry.operation, x: left - 12 - Canvas.textWidth(entry.operation), y: y + 8)
    let forward = Int((entry.forwardSeconds * scale).rounded())
    let backward = Int((entry.backwardSeconds * scale).rounded())
    canvas.fill(x: left, y: y + 4, width: forward, height: rowHeight - 10, forwardColor)
    canvas.fill(
      x: left + forward, y: y + 4, width: backward, height: rowHeight - 10,
      backwardColor)
    let label = formatted(1000 * entry.seconds, significantDigits: 3)
    canvas.text(label, x: left + forward + backward + 8, y: y + 8, .grey)
  }
  canvas.fill(
    x: left - 1, y: topMargin - 4, width: 2, height: rows.count * rowHeight + 4, .black)
  return canvas
}
