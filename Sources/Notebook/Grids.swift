// Figures made of cells: a matrix of counts (a confusion matrix) and a sheet of small
// images with captions.
import Autograd

extension Canvas {
  /// A matrix of counts as a heat map with the numbers written in: rows are the true
  /// classes, columns the predicted ones (so the diagonal holds the correct answers).
  public static func countMatrix(
    _ counts: [[Int]], labels: [String], title: String, rowTitle: String,
    columnTitle: String, cell: Int = 56
  ) -> Canvas {
    let n = counts.count
    let left = 110, top = 80
    var canvas = Canvas(width: left + n * cell + 30, height: top + n * cell + 70)
    let largest = max(counts.flatMap { $0 }.max() ?? 1, 1)
    canvas.text(
      title, x: (canvas.width - textWidth(title, scale: 3)) / 2, y: 15, scale: 3)
    for row in 0..<n {
      for column in 0..<n {
        let value = counts[row][column]
        let strength = Double(value) / Double(largest)
        let base = row == column ? Color.palette[0] : Color.palette[3]
        let colour =
          value == 0 ? Color.white : Color.white.mixed(with: base, 0.15 + 0.85 * strength)
        let x = left + column * cell, y = top + row * cell
        canvas.fill(x: x, y: y, width: cell - 2, height: cell - 2, colour)
        let text = String(value)
        let ink: Color = strength > 0.55 ? .white : .black
        canvas.text(
          text, x: x + (cell - 2 - textWidth(text)) / 2, y: y + (cell - 2 - 14) / 2, ink)
      }
      canvas.text(
        labels[row], x: left - 20 - textWidth(labels[row]),
        y: top + row * cell + cell / 2 - 7)
      canvas.text(
        labels[row], x: left + row * cell + (cell - textWidth(labels[row])) / 2,
        y: top + n * cell + 6)
    }
    canvas.text(
      columnTitle, x: left + (n * cell - textWidth(columnTitle)) / 2,
      y: top + n * cell + 36)
    canvas.text(
      rowTitle, x: 20, y: top + (n * cell + textWidth(rowTitle)) / 2, vertical: true)
    return canvas
  }

  /// Greyscale (or RGB) images laid out in `columns` columns, each nearest-neighbour
  /// upscaled `zoom` times, with a caption under each and, optionally, a label left of
  /// each row (for sheets whose rows differ in one setting).
  public static func imageSheet(
    _ images: [[Float]], width: Int, height: Int, columns: Int, zoom: Int,
    captions: [String] = [], title: String? = nil, rowLabels: [String] = []
  ) -> Canvas {
    // A caption wider than its image wraps at spaces onto more lines, so that it
    // never runs into its neighbours' captions.
    let charactersPerLine = max((width * zoom + 10) / ((PixelFont.width + 1) * 2), 1)
    let captionLines = captions.map { wrap($0, to: charactersPerLine) }
    let lineCount = captionLines.map(\.count).max() ?? 0
    let captionHeight = captions.isEmpty ? 0 : 22 + 18 * max(lineCount - 1, 0)
    let cellWidth = width * zoom + 12, cellHeight = height * zoom + 12 + captionHeight
    let rows = (images.count + columns - 1) / columns
    let top = title == nil ? 6 : 50
    let left = rowLabels.isEmpty ? 6 : (rowLabels.map { textWidth($0) }.max() ?? 0) + 20
    var canvas = Canvas(
      width: left + columns * cellWidth, height: top + rows * cellHeight + 6)
    for (row, label) in rowLabels.enumerated() where row < rows {
      canvas.text(label, x: 8, y: top + row * cellHeight + (height * zoom - 14) / 2)
    }
    if let title {
      canvas.text(
        title, x: (canvas.width - textWidth(title, scale: 3)) / 2, y: 12, scale: 3)
    }
    for (i, image) in images.enumerated() {
      let x = left + (i % columns) * cellWidth, y = top + (i / columns) * cellHeight
      canvas.fill(
        x: x - 1, y: y - 1, width: width * zoom + 2, height: height * zoom + 2, .grey)
      canvas.paste(rgb: image, width: width, height: height, x: x, y: y, zoom: zoom)
      if i < captions.count {
        for (line, caption) in captionLines[i].enumerated() {
          canvas.text(
            caption, x: x + (width * zoom - textWidth(caption)) / 2,
            y: y + height * zoom + 6 + 18 * line)
        }
      }
    }
    return canvas
  }
}

extension Canvas {
  /// Images in a column, each with its caption beside it, wrapped to fit: a sheet of
  /// examples with their descriptions.
  public static func captionedSheet(
    _ images: [[Float]], width: Int, height: Int, zoom: Int, captions: [String],
    textWidth: Int = 720
  ) -> Canvas {
    let charactersPerLine = textWidth / ((PixelFont.width + 1) * 2)
    let wrapped = captions.map { wrap($0, to: charactersPerLine) }
    let rowHeights = wrapped.map { max(height * zoom, $0.count * 20) + 12 }
    var canvas = Canvas(
      width: width * zoom + textWidth + 30,
      height: rowHeights.reduce(0, +) + 6)
    var y = 6
    for (i, image) in images.enumerated() {
      canvas.fill(
        x: 5, y: y - 1, width: width * zoom + 2, height: height * zoom + 2, .grey)
      canvas.paste(rgb: image, width: width, height: height, x: 6, y: y, zoom: zoom)
      for (k, line) in wrapped[i].enumerated() {
        canvas.text(line, x: width * zoom + 24, y: y + 4 + 20 * k)
      }
      y += rowHeights[i]
    }
    return canvas
  }

  /// Splits `text` into lines of at most `limit` characters, at spaces.
  public static func wrap(_ text: String, to limit: Int) -> [String] {
    var lines: [String] = [], current = ""
    for word in text.split(separator: " ") {
      if !current.isEmpty && current.count + 1 + word.count > limit {
        lines.append(current)
        current = ""
      }
      current += (current.isEmpty ? "" : " ") + word
    }
    if !current.isEmpty { lines.append(current) }
    return lines
  }
}

/// Images [B, 3, H, W] (values in [0, 1]) as the pixel lists [H, W, 3] each that
/// `Canvas.imageSheet` takes.
public func pixelLists(_ images: Tensor) -> [[Float]] {
  let (n, plane) = (images.shape[0], images.shape[2] * images.shape[3])
  return (0..<n).map { i in
    (0..<(3 * plane)).map { k in images.data[i * 3 * plane + (k % 3) * plane + k / 3] }
  }
}
