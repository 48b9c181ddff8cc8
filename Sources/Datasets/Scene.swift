import Autograd

/// The shapes of the synthetic world.
public enum ShapeKind: Int, CaseIterable, Sendable, Hashable {
  case circle, square, triangle
  public var name: String { ["circle", "square", "triangle"][rawValue] }
  public var plural: String { name + "s" }
}

/// The colours of the synthetic world, chosen to stay apart from each other and from
/// both backgrounds.
public enum ObjectColor: Int, CaseIterable, Sendable, Hashable {
  case red, green, blue, yellow, purple, cyan
  public var name: String {
    ["red", "green", "blue", "yellow", "purple", "cyan"][rawValue]
  }
  public var rgb: (Float, Float, Float) {
    switch self {
    case .red: (0.86, 0.14, 0.12)
    case .green: (0.16, 0.68, 0.22)
    case .blue: (0.16, 0.32, 0.92)
    case .yellow: (0.96, 0.84, 0.10)
    case .purple: (0.62, 0.22, 0.78)
    case .cyan: (0.10, 0.78, 0.82)
    }
  }
}

/// Two sizes: half-extent 3 px (a 6×6 footprint) and 5 px (10×10). Smaller than 6 px a
/// circle, a square and a triangle are no longer told apart on the pixel grid.
public enum ObjectSize: Int, CaseIterable, Sendable, Hashable {
  case small, big
  public var name: String { ["small", "big"][rawValue] }
  public var radius: Float { self == .small ? 3 : 5 }
}

/// One object: what it is and which cell of the 8×8 grid its centre sits in.
public struct SceneObject: Sendable, Hashable {
  public var shape: ShapeKind
  public var color: ObjectColor
  public var size: ObjectSize
  /// Cell of the 8×8 grid of 4-pixel cells, counted from the left and from the top; the
  /// centre is at pixel (4·column + 2, 4·row + 2). Objects stay inside the image, so
  /// their cells run from 1 to 6.
  public var column: Int, row: Int

  public init(
    shape: ShapeKind, color: ObjectColor, size: ObjectSize, column: Int, row: Int
  ) {
    self.shape = shape
    self.color = color
    self.size = size
    self.column = column
    self.row = row
  }

  public var centre: (x: Float, y: Float) { (Float(4 * column + 2), Float(4 * row + 2)) }

  /// "small red circle".
  public var fullName: String { "\(size.name) \(color.name) \(shape.name)" }

  // MARK: book:covers
  /// Whether the pixel (x, y) (its centre at x + 0.5, y + 0.5) is inside the object.
  public func covers(x: Int, y: Int) -> Bool {
    let r = size.radius
    let dx = Float(x) + 0.5 - centre.x, dy = Float(y) + 0.5 - centre.y
    switch shape {
    // r² − 1 rather than r² keeps a 6-pixel circle round (rows 2, 4, 6, 6, 4, 2).
    case .circle: return dx * dx + dy * dy <= r * r - 1
    case .square: return abs(dx) < r && abs(dy) < r
    case .triangle:
      // Apex at the top centre, base along the bottom edge: rows 2, 2, 4, 4, 6, 6.
      return dy < r && dy > -r && abs(dx) <= (dy + r + 0.5) / 2
    }
  }
  // MARK: end

  /// The cells an object's centre may occupy and stay inside the image.
  public static let cells = 1...6

  /// Whether an object with its centre in (column, row) lies inside the image.
  static func fits(column: Int, row: Int) -> Bool {
    cells.contains(column) && cells.contains(row)
  }

  /// Whether two objects keep at least one pixel of background between them.
  func isApart(from other: SceneObject) -> Bool {
    let gap = size.radius + other.size.radius + 1
    return max(abs(centre.x - other.centre.x), abs(centre.y - other.centre.y)) >= gap
  }
}

/// The background: dark or light, plain or with a faint fixed texture.
public struct Background: Sendable, Hashable {
  public var isLight: Bool
  public var isTextured: Bool
  /// Seeds the texture, so a scene always renders the same.
  public var textureSeed: UInt64

  public var level: Float { isLight ? 0.88 : 0.10 }

  /// The grey level of pixel (x, y): the base level, plus at most ±0.04 of texture.
  public func grey(x: Int, y: Int) -> Float {
    guard isTextured else { return level }
    var g = SeededGenerator(seed: textureSeed &+ UInt64(y * 32 + x) &* 0x9E37_79B9)
    return level + 0.08 * (g.nextUniform() - 0.5)
  }
}

/// A 32×32 scene of one to three objects.
public struct Scene: Sendable, Hashable {
  public static let size = 32
  public var objects: [SceneObject]
  public var background: Background

  public init(objects: [SceneObject], background: Background) {
    self.objects = objects
    self.background = background
  }

  /// A random scene with `count` objects (1...3 by default) on free, separated cells.
  public static func random(
    objectCount: Int? = nil, using generator: inout SeededGenerator
  ) -> Scene {
    let background = Background(
      isLight: generator.nextUniform() < 0.5, isTextured: generator.nextUniform() < 0.5,
      textureSeed: generator.next())
    var scene = Scene(objects: [], background: background)
    let count = objectCount ?? 1 + generator.nextInt(below: 3)
    while scene.objects.count < count {
      if let object = scene.randomNewObject(using: &generator) {
        scene.objects.append(object)
      }
    }
    return scene
  }

  /// A random object that fits among the current ones, or nil after 100 failed tries.
  public func randomNewObject(using generator: inout SeededGenerator) -> SceneObject? {
    for _ in 0..<100 {
      let object = SceneObject(
        shape: ShapeKind.allCases[generator.nextInt(below: 3)],
        color: ObjectColor.allCases[generator.nextInt(below: 6)],
        size: ObjectSize.allCases[generator.nextInt(below: 2)],
        column: 1 + generator.nextInt(below: 6), row: 1 + generator.nextInt(below: 6))
      if canPlace(object, ignoring: nil) { return object }
    }
    return nil
  }

  /// Whether `object` fits the image and stays apart from every other object (the one
  /// at index `ignoring` excepted, for moves).
  public func canPlace(_ object: SceneObject, ignoring index: Int?) -> Bool {
    guard SceneObject.fits(column: object.column, row: object.row) else {
      return false
    }
    return objects.indices.allSatisfy { $0 == index || objects[$0].isApart(from: object) }
  }

  /// The objects in reading order: top to bottom, then left to right.
  public var objectsInReadingOrder: [SceneObject] {
    objects.sorted { ($0.row, $0.column) < ($1.row, $1.column) }
  }
}
