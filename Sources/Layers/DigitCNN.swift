import Autograd

// MARK: book:digit-cnn
/// Chapter 2's digit classifier, kept in the library because Chapter 7 uses it as the
/// judge of generated digits: three 3×3 convolutions (16×16 → 16×16 → 8×8 → 4×4 with
/// 16, 32 and 32 channels, the last two with stride 2) and one linear layer.
public final class DigitCNN: Layer {
  public var first: Conv2d, second: Conv2d, third: Conv2d, output: Linear

  public init(using generator: inout SeededGenerator) {
    first = Conv2d(1, 16, kernel: 3, padding: 1, using: &generator)
    second = Conv2d(16, 32, kernel: 3, stride: 2, padding: 1, using: &generator)
    third = Conv2d(32, 32, kernel: 3, stride: 2, padding: 1, using: &generator)
    output = Linear(32 * 4 * 4, 10, using: &generator)
  }

  /// The last convolution's maps for [B, 1, 16, 16] images: [B, 32, 4, 4].
  public func maps(_ images: Tensor) -> Tensor {
    let a = first(images).relu()  // [B, 16, 16, 16]
    let b = second(a).relu()  // [B, 32, 8, 8]
    return third(b).relu()  // [B, 32, 4, 4]
  }

  /// [B, 1, 16, 16] images → [B, 10] class scores.
  public func scores(_ images: Tensor) -> Tensor {
    scoresFromMaps(maps(images))
  }

  /// Class scores [B, 10] from the last convolution's maps [B, 32, 4, 4].
  public func scoresFromMaps(_ c: Tensor) -> Tensor {
    output(c.reshaped([c.shape[0], 32 * 4 * 4]))  // [B, 10]
  }
}
// MARK: end

/// Why Chapter 2's classifier could not be loaded, and what to run.
public struct MissingClassifierError: Error, CustomStringConvertible {
  public let description: String
}

extension DigitCNN {
  /// The classifier Chapter 2 trains and saves (see `savedCheckpoint` for which).
  public static func savedByChapter2(
    full: Bool, using generator: inout SeededGenerator
  ) throws -> (classifier: DigitCNN, path: String) {
    guard
      let path = savedCheckpoint(
        full: full, fullPath: "Checkpoints/ch02-cnn.safetensors",
        quickPath: "Checkpoints/ch02-cnn-quick.safetensors")
    else {
      throw MissingClassifierError(
        description: """
          This chapter needs the digit classifier Chapter 2 trains and saves. Run it:
            swift run -c release Chapter02          (quick, ~10 s)
            swift run -c release Chapter02 --full   (the fully trained one)
          """)
    }
    let classifier = DigitCNN(using: &generator)
    try classifier.load(from: path)
    return (classifier, path)
  }
}
