import Autograd
import Datasets
import Foundation
import Interleaved

/// A box of grid cells, (x1, y1)–(x2, y2) inclusive, as referring expressions write it.
public struct CellBox: Sendable, Hashable {
  public let x1: Int, y1: Int, x2: Int, y2: Int

  public init(_ x1: Int, _ y1: Int, _ x2: Int, _ y2: Int) {
    (self.x1, self.y1, self.x2, self.y2) = (x1, y1, x2, y2)
  }

  /// The box in "(x1,y1)(x2,y2)" (spaces allowed), or nil if the text is not one.
  public init?(parsing text: String) {
    let numbers = text.split { !$0.isNumber }.compactMap { Int($0) }
    let kept = text.filter { !$0.isWhitespace }
    guard numbers.count == 4, kept.hasPrefix("("), kept.hasSuffix(")") else { return nil }
    self.init(numbers[0], numbers[1], numbers[2], numbers[3])
  }

  var area: Int { max(0, x2 - x1 + 1) * max(0, y2 - y1 + 1) }

  /// Intersection over union of the cells two boxes cover.
  public func intersectionOverUnion(_ other: CellBox) -> Double {
    let overlap = CellBox(
      max(x1, other.x1), max(y1, other.y1), min(x2, other.x2), min(y2, other.y2))
    let shared = overlap.area
    let union = area + other.area - shared
    return union == 0 ? 0 : Double(shared) / Double(union)
  }
}

/// A referring expression about a fresh scene, for evaluation: "the small red circle"
/// and its box.
public struct HeldOutReference: Sendable {
  public let scene: Scene
  public let name: String
  public let box: CellBox

  /// `count` expressions, one per fresh scene (scenes where nothing can be named apart
  /// are skipped, as training skips them).
  public static func draw(_ count: Int, seed: UInt64) -> [HeldOutReference] {
    var generator = SeededGenerator(seed: seed)
    var drawn: [HeldOutReference] = []
    while drawn.count < count {
      let scene = Scene.random(using: &generator)
      let expressions = scene.referringExpressions()
      guard !expressions.isEmpty else { continue }
      let (expression, b) = expressions[generator.nextInt(below: expressions.count)]
      let name = String(expression[..<expression.firstIndex(of: "(")!])
        .trimmingCharacters(in: .whitespaces)
      drawn.append(
        HeldOutReference(scene: scene, name: name, box: CellBox(b.0, b.1, b.2, b.3)))
    }
    return drawn
  }
}

extension MMInterleaved {
  /// Greedy continuations of `prompt(i)` after image i ([1, 3, H, W] each), decoded.
  func continuations(
    _ images: [Tensor], prompts: [String], packer: DocumentPacker, maxTokens: Int
  ) throws -> [String] {
    try zip(images, prompts).map { image, prompt in
      let written = try continueText(
        [.image, .text(packer.tokenizer.encode(prompt))], images: image,
        maxTokens: maxTokens, special: packer.special)
      return packer.tokenizer.decode(written)
    }
  }

  /// The box the model writes after "find: <name>" for each expression, or nil where
  /// what it writes is not a box.
  public func boxes(
    _ references: [HeldOutReference], packer: DocumentPacker, maxTokens: Int = 16
  ) throws -> [CellBox?] {
    try continuations(
      references.map { imageTensor($0.scene) },
      prompts: references.map { "find: " + $0.name }, packer: packer,
      maxTokens: maxTokens
    ).map { CellBox(parsing: $0) }
  }

  /// The caption the model writes after "caption:" for each scene.
  public func captions(
    _ scenes: [Scene], packer: DocumentPacker, maxTokens: Int = 40
  ) throws -> [String] {
    try continuations(
      scenes.map(imageTensor), prompts: scenes.map { _ in "caption:" }, packer: packer,
      maxTokens: maxTokens
    ).map { $0.trimmingCharacters(in: .whitespaces) }
  }
}

/// A scene rendered as a batch of one image, [1, 3, H, W].
func imageTensor(_ scene: Scene) -> Tensor {
  let image = scene.render().tensor  // [3, H, W]
  return image.reshaped([1] + image.shape)
}
