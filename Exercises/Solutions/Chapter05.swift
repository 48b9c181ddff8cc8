// Solutions to the exercises of Chapter 5.
import Autograd

public enum Chapter05Solutions {
  /// Count the visible images from the right: the last one seen is 1.
  public static func recency(_ row: [Bool]) -> [Int]? {
    var result = [Int](repeating: 0, count: row.count)
    var rank = 0
    for j in row.indices.reversed() where row[j] {
      rank += 1
      result[j] = rank
    }
    return result
  }

  /// Append a zero logit (e⁰ = 1: the null slot), take the softmax, drop the slot.
  /// Softmax subtracts the maximum, so large logits stay finite.
  public static func softmaxWithNullSlot(_ logits: Tensor) -> Tensor? {
    let rows = logits.shape[0], columns = logits.shape[1]
    let extended = Tensor.concatenate([logits, Tensor.zeros([rows, 1])], axis: 1)
    return extended.softmax().sliced(axis: 1, 0..<columns)
  }

  /// Pixel coordinates are loc·size − ½ (pixel centres sit at half-integers of the
  /// normalised grid); the four neighbours get the products of the distances to the
  /// opposite ones. Taps outside the map are dropped: they count as zero.
  public static func bilinearTaps(
    _ height: Int, _ width: Int, _ x: Float, _ y: Float
  ) -> [(row: Int, column: Int, weight: Float)]? {
    let (px, py) = (x * Float(width) - 0.5, y * Float(height) - 0.5)
    let (x0, y0) = (Int(px.rounded(.down)), Int(py.rounded(.down)))
    let (fx, fy) = (px - Float(x0), py - Float(y0))
    let taps = [
      (y0, x0, (1 - fx) * (1 - fy)), (y0, x0 + 1, fx * (1 - fy)),
      (y0 + 1, x0, (1 - fx) * fy), (y0 + 1, x0 + 1, fx * fy),
    ]
    return taps.filter { 0..<height ~= $0.0 && 0..<width ~= $0.1 }
      .map { (row: $0.0, column: $0.1, weight: $0.2) }
  }

  /// Number the images and documents by counting starts; a token sees image j when
  /// both are in the same document and j started at or before the token.
  public static func imageMask(
    _ isDocumentStart: [Bool], _ isImageStart: [Bool]
  )
    -> [Bool]?
  {
    var document = -1
    var tokenDocument: [Int] = []
    var imageStart: [Int] = [], imageDocument: [Int] = []
    for t in isDocumentStart.indices {
      if isDocumentStart[t] { document += 1 }
      tokenDocument.append(document)
      if isImageStart[t] {
        imageStart.append(t)
        imageDocument.append(document)
      }
    }
    var visible: [Bool] = []
    for t in tokenDocument.indices {
      for j in imageStart.indices {
        visible.append(imageDocument[j] == tokenDocument[t] && imageStart[j] <= t)
      }
    }
    return visible
  }
}
