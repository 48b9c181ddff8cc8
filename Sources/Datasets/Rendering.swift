import Autograd

/// An RGB image with values in [0, 1], stored row by row with the three channels of a
/// pixel together (HWC), the layout of image files.
public struct RGBImage: Sendable, Hashable {
  public let width: Int, height: Int
  public var pixels: [Float]  // [H, W, 3]

  public init(width: Int, height: Int, pixels: [Float]) {
    require(
      pixels.count == width * height * 3,
      "RGBImage(width: \(width), height: \(height))",
      "needs \(width * height * 3) values (3 per pixel), got \(pixels.count)")
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  public func pixel(x: Int, y: Int) -> (Float, Float, Float) {
    let i = (y * width + x) * 3
    return (pixels[i], pixels[i + 1], pixels[i + 2])
  }

  /// The image as a [3, H, W] tensor (channels first, as the models take it).
  public var tensor: Tensor {
    var chw = [Float](repeating: 0, count: pixels.count)
    for c in 0..<3 {
      for p in 0..<width * height { chw[c * width * height + p] = pixels[p * 3 + c] }
    }
    return Tensor(shape: [3, height, width], data: chw)
  }

  /// A greyscale image (values in [0, 1]) as RGB.
  public init(grey: [Float], width: Int, height: Int) {
    self.init(width: width, height: height, pixels: grey.flatMap { [$0, $0, $0] })
  }
}

/// Segmentation classes: 0 is background; object classes number shape × colour, so a
/// map says both what and which colour is where.
public enum SegmentationClass {
  public static let count = 1 + ShapeKind.allCases.count * ObjectColor.allCases.count

  public static func id(of object: SceneObject) -> Int {
    1 + object.shape.rawValue * ObjectColor.allCases.count + object.color.rawValue
  }

  /// The shape and colour of class `id` (nil for background).
  public static func decode(_ id: Int) -> (ShapeKind, ObjectColor)? {
    guard id > 0 && id < count else { return nil }
    let k = id - 1, colors = ObjectColor.allCases.count
    return (ShapeKind(rawValue: k / colors)!, ObjectColor(rawValue: k % colors)!)
  }
}

extension Scene {
  /// The rendered scene: background, then the objects (they never overlap).
  public func render() -> RGBImage {
    var pixels = [Float](repeating: 0, count: Scene.size * Scene.size * 3)
    let map = segmentation()
    for y in 0..<Scene.size {
      for x in 0..<Scene.size {
        let i = (y * Scene.size + x) * 3
        if let (_, color) = SegmentationClass.decode(map[y * Scene.size + x]) {
          (pixels[i], pixels[i + 1], pixels[i + 2]) = color.rgb
        } else {
          let grey = background.grey(x: x, y: y)
          (pixels[i], pixels[i + 1], pixels[i + 2]) = (grey, grey, grey)
        }
      }
    }
    return RGBImage(width: Scene.size, height: Scene.size, pixels: pixels)
  }

  /// One class id per pixel, row by row (see `SegmentationClass`).
  public func segmentation() -> [Int] {
    var map = [Int](repeating: 0, count: Scene.size * Scene.size)
    for object in objects {
      let id = SegmentationClass.id(of: object)
      for y in 0..<Scene.size {
        for x in 0..<Scene.size where object.covers(x: x, y: y) {
          map[y * Scene.size + x] = id
        }
      }
    }
    return map
  }

  /// The segmentation map drawn in colour: each object class in its object colour,
  /// darker for squares and lighter for triangles so shapes differ too; background black.
  /// `classes` draws another map (a model's prediction) the same way.
  public func segmentationImage(classes: [Int]? = nil) -> RGBImage {
    var pixels: [Float] = []
    pixels.reserveCapacity(Scene.size * Scene.size * 3)
    for id in classes ?? segmentation() {
      guard let (shape, color) = SegmentationClass.decode(id) else {
        pixels += [0, 0, 0]
        continue
      }
      let (r, g, b) = color.rgb
      let scale: Float = [1.0, 0.6, 1.0][shape.rawValue]
      let lift: Float = shape == .triangle ? 0.35 : 0
      pixels += [r, g, b].map { min(1, $0 * scale + lift * (1 - $0)) }
    }
    return RGBImage(width: Scene.size, height: Scene.size, pixels: pixels)
  }
}
