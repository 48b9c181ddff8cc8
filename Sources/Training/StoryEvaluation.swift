import Autograd
import Datasets

/// One step of a fresh story, for evaluation: a frame, the sentence of what changes,
/// and the true next frame.
public struct HeldOutStoryStep: Sendable {
  public let caption: String
  public let before: Scene, after: Scene
  public let event: StoryEvent
  public let sentence: String

  /// `count` steps, each the first change of a fresh two-frame story.
  public static func draw(_ count: Int, seed: UInt64) -> [HeldOutStoryStep] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
      let story = Story.random(frameCount: 2, using: &generator)
      return HeldOutStoryStep(
        caption: story.sentences[0], before: story.frames[0], after: story.frames[1],
        event: story.events[0], sentence: story.sentences[1])
    }
  }

  /// Whether a next frame, read as classes per pixel, shows the change: a moved object
  /// nearer its new place than its old one, a recoloured one in its new colour, a new
  /// one where it appeared, a vanished one gone.
  public func isShown(in classes: [Int]) -> Bool {
    switch event {
    case .moves(let index, _, _):
      let (old, new) = (before.objects[index], after.objects[index])
      let id = SegmentationClass.id(of: new)
      guard classes.filter({ $0 == id }).count >= 6,
        let (x, y) = pixelCentre(of: id, in: classes)
      else { return false }
      let distance = { (o: SceneObject) in
        let (dx, dy) = (x - Double(o.centre.x), y - Double(o.centre.y))
        return dx * dx + dy * dy
      }
      return distance(new) < distance(old)
    case .turns(let index, _):
      let (old, new) = (before.objects[index], after.objects[index])
      let now = pixelCount(of: SegmentationClass.id(of: new), near: new, in: classes)
      let was = pixelCount(of: SegmentationClass.id(of: old), near: new, in: classes)
      return now >= 6 && now > was
    case .appears(let object):
      return pixelCount(of: SegmentationClass.id(of: object), near: object, in: classes)
        >= 6
    case .disappears(let index):
      let old = before.objects[index]
      return pixelCount(of: SegmentationClass.id(of: old), near: old, in: classes) < 6
    }
  }
}

/// Pixels of class `id` within two pixels of `object`'s footprint.
func pixelCount(of id: Int, near object: SceneObject, in classes: [Int]) -> Int {
  let reach = Int(object.size.radius) + 2
  let (cx, cy) = (4 * object.column + 2, 4 * object.row + 2)
  var count = 0
  for y in max(0, cy - reach)..<min(Scene.size, cy + reach) {
    for x in max(0, cx - reach)..<min(Scene.size, cx + reach)
    where classes[y * Scene.size + x] == id {
      count += 1
    }
  }
  return count
}
