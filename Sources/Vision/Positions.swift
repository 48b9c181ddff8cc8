import Autograd
import Platform

// MARK: book:sincos
/// Fixed 2-D sine–cosine position codes for an H×W grid: [C, H, W]. The first half of
/// the channels encodes the row, the second half the column, each with sines and cosines
/// of geometrically spaced frequencies (as in the Transformer, once per axis). Nearby
/// positions get similar codes, and any shift is a fixed rotation of each (sin, cos)
/// pair, which attention can learn to read.
public func sinCosPositions(channels: Int, height: Int, width: Int) -> Tensor {
  require(
    channels % 4 == 0, "sinCosPositions",
    "channels must be a multiple of 4, got \(channels)")
  let quarter = channels / 4
  var codes = [Float](repeating: 0, count: channels * height * width)
  for y in 0..<height {
    for x in 0..<width {
      for i in 0..<quarter {
        let frequency = powf(10_000, -Float(i) / Float(quarter))
        let values = [
          sinf(Float(y) * frequency), cosf(Float(y) * frequency),
          sinf(Float(x) * frequency), cosf(Float(x) * frequency),
        ]
        for (k, value) in values.enumerated() {
          codes[((k * quarter + i) * height + y) * width + x] = value
        }
      }
    }
  }
  return Tensor(shape: [channels, height, width], data: codes)
}
// MARK: end
