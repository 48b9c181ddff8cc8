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

extension DigitCNN {
  /// The classifier Chapter 2 trains and saves.
  public static let savedByChapter2 = SavedModel(
    chapter: 2, name: "the digit classifier",
    fullPath: "Checkpoints/ch02-cnn.safetensors",
    quickPath: "Checkpoints/ch02-cnn-quick.safetensors", quickTime: "~10 s",
    fullTime: "~10 s")

  /// The classifier Chapter 2 saved (its full run's if `full` and there is one), loaded.
  public static func savedByChapter2(
    full: Bool, using generator: inout SeededGenerator
  ) throws(SavedModelError) -> (classifier: DigitCNN, path: String) {
    let classifier = DigitCNN(using: &generator)
    let path = try savedByChapter2.load(into: classifier, full: full)
    return (classifier, path)
  }
}
