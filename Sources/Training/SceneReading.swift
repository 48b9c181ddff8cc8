import Autograd
import Datasets
import Layers
import Vision

/// Reads what an image of the world shows, pixel by pixel, with Chapter 3's encoder and
/// segmentation head: the judge of the images MMI-Tiny draws. It was trained on
/// rendered scenes only, so it reads a drawn image as well as the image looks like one.
public struct SceneReader {
  public let encoder: ImageEncoder
  public let head: Conv2d

  public init(encoder: ImageEncoder, head: Conv2d) {
    (self.encoder, self.head) = (encoder, head)
  }

  /// The reader Chapter 3 saved: its full run's encoder and head if `full` and there
  /// are both (the two must come from the same run), its quick run's otherwise.
  public static func savedByChapter3(full: Bool) throws -> SceneReader {
    var generator = SeededGenerator(seed: 0)  // overwritten by the files
    let encoder = ImageEncoder(using: &generator)
    let head = Conv2d(
      encoder.pyramid.channels, SegmentationClass.count, kernel: 1,
      using: &generator)
    let (savedEncoder, savedHead) =
      (ImageEncoder.savedByChapter3, ImageEncoder.segmentationHeadSavedByChapter3)
    let bothFull =
      full && savedEncoder.path(full: true) == savedEncoder.fullPath
      && savedHead.path(full: true) == savedHead.fullPath
    _ = try savedEncoder.load(into: encoder, full: bothFull)
    _ = try savedHead.load(into: head, full: bothFull)
    return SceneReader(encoder: encoder, head: head)
  }

  /// The class of every pixel of each image ([B, 3, 32, 32] in [0, 1]): B maps of
  /// 32·32 class ids, row by row (`SegmentationClass`).
  public func classes(_ images: Tensor) -> [[Int]] {
    let (b, side) = (images.shape[0], images.shape[2])
    let pixels = side * side
    let ids = withoutGradient {
      let map16 = encoder(images).maps[0]  // [B, C, 16, 16]
      let scores = upsampleNearest(head(map16), factor: 2)  // [B, classes, 32, 32]
      return scores.permuted([0, 2, 3, 1])
        .reshaped([b * pixels, SegmentationClass.count]).argmaxLastAxis()
    }
    return (0..<b).map { Array(ids[($0 * pixels)..<(($0 + 1) * pixels)]) }
  }
}

/// An object as read from an image: its class's shape and colour, and the grid cell of
/// its pixels' centre.
public struct ReadObject: Sendable, Equatable {
  public let shape: ShapeKind, color: ObjectColor
  public let column: Int, row: Int, pixels: Int

  /// Where it is in the caption's words ("at the top left").
  public var region: String { Scene.regionPhrase(column: column, row: row) }
}

/// The main object of a class map: the most frequent object class (nil if fewer than
/// `minimumPixels` pixels show any object), placed at the centre of that class's pixels.
public func mainObject(_ classes: [Int], side: Int = Scene.size, minimumPixels: Int = 6)
  -> ReadObject?
{
  var counts = [Int](repeating: 0, count: SegmentationClass.count)
  for id in classes where id != 0 { counts[id] += 1 }
  let top = counts.indices.max { counts[$0] < counts[$1] }!
  guard counts[top] >= minimumPixels, let (shape, color) = SegmentationClass.decode(top)
  else { return nil }
  let centre = pixelCentre(of: top, in: classes, side: side)!
  // An object centred on cell (c, r) has its centre at (4c + 2, 4r + 2).
  let cell = { (coordinate: Double) in
    let nearest = Int(((coordinate - 2) / 4).rounded())
    return min(max(nearest, SceneObject.cells.lowerBound), SceneObject.cells.upperBound)
  }
  return ReadObject(
    shape: shape, color: color, column: cell(centre.x), row: cell(centre.y),
    pixels: counts[top])
}

/// The centre of the pixels of class `id` in a class map (a pixel's centre is at
/// (x + 0.5, y + 0.5), as `SceneObject.covers` has it); nil if there are none.
func pixelCentre(of id: Int, in classes: [Int], side: Int = Scene.size)
  -> (x: Double, y: Double)?
{
  var (x, y, count) = (0, 0, 0)
  for (p, c) in classes.enumerated() where c == id {
    (x, y, count) = (x + p % side, y + p / side, count + 1)
  }
  guard count > 0 else { return nil }
  return (Double(x) / Double(count) + 0.5, Double(y) / Double(count) + 0.5)
}

/// Intersection over union of the object pixels (any class) of two class maps: how
/// well a drawn scene's layout matches the map it was drawn from. 1 when both are
/// empty.
public func layoutIoU(_ drawn: [Int], _ truth: [Int]) -> Double {
  var both = 0, either = 0
  for (a, b) in zip(drawn, truth) {
    if a != 0 && b != 0 { both += 1 }
    if a != 0 || b != 0 { either += 1 }
  }
  return either == 0 ? 1 : Double(both) / Double(either)
}

/// The mean over the object classes present in `truth` of their per-class IoU with
/// `drawn`: layout and colour and shape together.
public func objectClassIoU(_ drawn: [Int], _ truth: [Int]) -> Double {
  let present = Set(truth).subtracting([0])
  guard !present.isEmpty else { return .nan }
  let ious = present.map { id -> Double in
    var both = 0, either = 0
    for (a, b) in zip(drawn, truth) {
      if a == id && b == id { both += 1 }
      if a == id || b == id { either += 1 }
    }
    return Double(both) / Double(either)
  }
  return ious.reduce(0, +) / Double(ious.count)
}
