/// The small, regular English the world speaks: captions, questions with answers, and
/// referring expressions with boxes.
extension Scene {
  // MARK: book:caption
  /// Where an object is, in words, from its grid cell: thirds of the image (columns
  /// 1–2 left, 3–4 middle, 5–6 right; rows likewise top, middle, bottom).
  public static func regionPhrase(column: Int, row: Int) -> String {
    let vertical = row <= 2 ? "top" : (row <= 4 ? "middle" : "bottom")
    let horizontal = column <= 2 ? "left" : (column <= 4 ? "middle" : "right")
    switch (vertical, horizontal) {
    case ("middle", "middle"): return "in the middle"
    case ("middle", _): return "on the \(horizontal)"
    case (_, "middle"): return "at the \(vertical)"
    default: return "at the \(vertical) \(horizontal)"
    }
  }

  /// "a small red circle at the top left, a big blue square in the middle".
  public var caption: String {
    objectsInReadingOrder.map {
      "a \($0.fullName) \(Scene.regionPhrase(column: $0.column, row: $0.row))"
    }.joined(separator: ", ")
  }
  // MARK: end

  /// Every object with its exact grid cell (column, row), in reading order: "a small
  /// red circle at 2 1, a big blue square at 4 3". The text-only stand-in for the image
  /// when Chapter 6 teaches a language model to answer questions without seeing.
  public var inventory: String {
    objectsInReadingOrder.map { "a \($0.fullName) at \($0.column) \($0.row)" }
      .joined(separator: ", ")
  }

  /// The shortest description that picks out `object` among this scene's objects:
  /// "circle", "red circle" or "small red circle". `withoutColor` avoids naming the
  /// colour (for questions about the colour); nil when that cannot be unique.
  public func reference(to object: SceneObject, withoutColor: Bool = false) -> String? {
    let others = objects.filter { $0 != object }
    var candidates: [(String, (SceneObject) -> Bool)] = [
      (object.shape.name, { $0.shape == object.shape }),
      (
        "\(object.size.name) \(object.shape.name)",
        { $0.shape == object.shape && $0.size == object.size }
      ),
    ]
    if !withoutColor {
      candidates.insert(
        (
          "\(object.color.name) \(object.shape.name)",
          { $0.shape == object.shape && $0.color == object.color }
        ), at: 1)
      candidates.append(
        (
          object.fullName,
          {
            $0.shape == object.shape && $0.color == object.color && $0.size == object.size
          }
        ))
    }
    return candidates.first { _, matches in !others.contains(where: matches) }?.0
  }

  /// Questions and answers about this scene: colour, shape, count, absolute position
  /// (grid cell "column row") and relative position.
  public func questionsAndAnswers() -> [(question: String, answer: String)] {
    var pairs: [(String, String)] = []
    let numbers = ["zero", "one", "two", "three"]
    for shape in ShapeKind.allCases {
      let count = objects.filter { $0.shape == shape }.count
      pairs.append(("how many \(shape.plural) are there?", numbers[count]))
    }
    for object in objectsInReadingOrder {
      if let name = reference(to: object, withoutColor: true) {
        pairs.append(("what colour is the \(name)?", object.color.name))
      }
      if objects.filter({ $0.color == object.color }).count == 1 {
        pairs.append(
          ("what shape is the \(object.color.name) object?", object.shape.name))
      }
      if let name = reference(to: object) {
        pairs.append(("where is the \(name)?", "\(object.column) \(object.row)"))
      }
      pairs.append(("what is at \(object.column) \(object.row)?", object.fullName))
    }
    let ordered = objectsInReadingOrder
    for (i, a) in ordered.enumerated() {
      for b in ordered[(i + 1)...] {
        guard let first = reference(to: a), let second = reference(to: b) else {
          continue
        }
        pairs.append(
          (
            "is the \(first) left of the \(second)?",
            a.column < b.column ? "yes" : "no"
          ))
        pairs.append(
          ("is the \(first) above the \(second)?", a.row < b.row ? "yes" : "no"))
      }
    }
    return pairs
  }

  /// The smallest box of grid cells (x1, y1)–(x2, y2), inclusive, on the 8×8 grid, that
  /// holds every pixel of `object`.
  public func box(of object: SceneObject) -> (x1: Int, y1: Int, x2: Int, y2: Int) {
    var (minX, minY, maxX, maxY) = (Scene.size, Scene.size, -1, -1)
    for y in 0..<Scene.size {
      for x in 0..<Scene.size where object.covers(x: x, y: y) {
        (minX, minY) = (min(minX, x), min(minY, y))
        (maxX, maxY) = (max(maxX, x), max(maxY, y))
      }
    }
    return (minX / 4, minY / 4, maxX / 4, maxY / 4)
  }

  /// Referring expressions with boxes written as text, the way the paper grounds them:
  /// "the small red circle (1,0)(2,1)".
  public func referringExpressions() -> [(expression: String, box: (Int, Int, Int, Int))]
  {
    objectsInReadingOrder.compactMap { object in
      guard let name = reference(to: object) else { return nil }
      let b = box(of: object)
      return ("the \(name) (\(b.x1),\(b.y1))(\(b.x2),\(b.y2))", (b.x1, b.y1, b.x2, b.y2))
    }
  }
}
