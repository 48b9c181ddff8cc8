import Autograd
import Platform

/// The UCI handwritten digits (Alpaydin and Kaynak, 1998; CC BY 4.0), as shipped in
/// `Data/digits.csv`: 1,797 greyscale images of 8×8 pixels with values 0–16, and labels.
public struct Digits: Sendable {
  /// One image per row: 64 values in [0, 1], row-major.
  public let images: [[Float]]
  public let labels: [Int]
  public var count: Int { labels.count }

  public struct LoadError: Error, CustomStringConvertible {
    public let description: String
  }

  /// Reads the CSV (64 pixel values 0–16, then the label, per line).
  public static func load(from path: String = "Data/digits.csv") throws -> Digits {
    guard let file = fopen(path, "r") else {
      throw LoadError(
        description: "\(path): cannot open (\(String(cString: strerror(errno)))); "
          + "run from the repository root, where Data/digits.csv is")
    }
    defer { fclose(file) }
    var images: [[Float]] = [], labels: [Int] = []
    var buffer = [CChar](repeating: 0, count: 4096)
    var lineNumber = 0
    while fgets(&buffer, Int32(buffer.count), file) != nil {
      lineNumber += 1
      let line = String(
        decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
        as: UTF8.self)
      let fields = line.split(separator: ",").map {
        Int($0.filter { !$0.isWhitespace })
      }
      guard fields.count == 65, fields.allSatisfy({ $0 != nil }),
        let label = fields[64], (0...9).contains(label),
        fields[0..<64].allSatisfy({ (0...16).contains($0!) })
      else {
        throw LoadError(
          description: "\(path):\(lineNumber): expected 64 pixel values 0–16 "
            + "and a label 0–9, separated by commas")
      }
      images.append(fields[0..<64].map { Float($0!) / 16 })
      labels.append(label)
    }
    guard !labels.isEmpty else { throw LoadError(description: "\(path): no rows") }
    return Digits(images: images, labels: labels)
  }

  /// A subset by row indices.
  public func subset(_ indices: [Int]) -> Digits {
    Digits(images: indices.map { images[$0] }, labels: indices.map { labels[$0] })
  }

  /// A deterministic shuffled split into train, validation and test parts.
  public func split(
    validationFraction: Double = 0.15, testFraction: Double = 0.15,
    using generator: inout SeededGenerator
  ) -> (train: Digits, validation: Digits, test: Digits) {
    let order = generator.permutation(count)
    let testCount = Int((Double(count) * testFraction).rounded())
    let validationCount = Int((Double(count) * validationFraction).rounded())
    let test = Array(order[0..<testCount])
    let validation = Array(order[testCount..<testCount + validationCount])
    let train = Array(order[(testCount + validationCount)...])
    return (subset(train), subset(validation), subset(test))
  }

  /// Images `indices` as a tensor [B, 1, size, size] (bilinear resampling when size
  /// is not 8), with their labels.
  public func batch(_ indices: [Int], size: Int = 8) -> (images: Tensor, labels: [Int]) {
    var pixels: [Float] = []
    pixels.reserveCapacity(indices.count * size * size)
    for i in indices {
      pixels += size == 8 ? images[i] : Digits.resize(images[i], to: size)
    }
    return (
      Tensor(shape: [indices.count, 1, size, size], data: pixels),
      indices.map { labels[$0] }
    )
  }

  /// Batches of `batchSize` in a shuffled order (one epoch); the last may be smaller.
  public func batches(
    of batchSize: Int, size: Int = 8, using generator: inout SeededGenerator
  ) -> [(images: Tensor, labels: [Int])] {
    let order = generator.permutation(count)
    return stride(from: 0, to: count, by: batchSize).map {
      batch(Array(order[$0..<min($0 + batchSize, count)]), size: size)
    }
  }

  /// Bilinear resampling of an 8×8 image to size×size, pixel centres aligned the way
  /// image libraries do it (source coordinate = (target + 0.5)·8/size − 0.5).
  public static func resize(_ image: [Float], to size: Int) -> [Float] {
    let scale = 8 / Float(size)
    var out = [Float](repeating: 0, count: size * size)
    for y in 0..<size {
      let sy = min(max((Float(y) + 0.5) * scale - 0.5, 0), 7)
      let y0 = Int(sy), y1 = min(y0 + 1, 7), fy = sy - Float(y0)
      for x in 0..<size {
        let sx = min(max((Float(x) + 0.5) * scale - 0.5, 0), 7)
        let x0 = Int(sx), x1 = min(x0 + 1, 7), fx = sx - Float(x0)
        let top = image[y0 * 8 + x0] * (1 - fx) + image[y0 * 8 + x1] * fx
        let bottom = image[y1 * 8 + x0] * (1 - fx) + image[y1 * 8 + x1] * fx
        out[y * size + x] = top * (1 - fy) + bottom * fy
      }
    }
    return out
  }
}
