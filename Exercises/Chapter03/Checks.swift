import Autograd
import Datasets
import Exercises

/// Checkers for the exercises of Chapter 3.
public enum Chapter03Checks {
  /// Exercise 1: images [B, C, H, W] → patches [B, N, C·p·p], patch (py, px) at token
  /// py·(W/p) + px and pixel (c, dy, dx) at feature (c·p + dy)·p + dx.
  public static func patchify(_ patchify: (Tensor, Int) -> Tensor?) -> ExerciseResult {
    var generator = SeededGenerator(seed: 31)
    let images = Tensor.normal([2, 3, 4, 6], using: &generator, requiresGrad: true)
    guard let patches = patchify(images, 2) else { return .notAttempted("Exercise 1") }
    var findings = Findings()
    findings.expect(patches.shape == [2, 6, 12], "shape \(patches.shape) is [2, 6, 12]")
    var expected: [Float] = []
    for b in 0..<2 {
      for py in 0..<2 {
        for px in 0..<3 {
          for c in 0..<3 {
            for dy in 0..<2 {
              for dx in 0..<2 { expected.append(images[b, c, py * 2 + dy, px * 2 + dx]) }
            }
          }
        }
      }
    }
    findings.expect(patches.data == expected, "every pixel lands in its patch and place")
    let report = checkGradients(at: [images], using: &generator) {
      patchify($0[0], 2) ?? $0[0]
    }
    findings.expect(report.passed, "gradient check: \(report)")
    return findings.result
  }

  /// Exercise 2: the symmetric contrastive loss from a [B, B] similarity matrix.
  public static func contrastiveLoss(_ loss: (Tensor, Float) -> Tensor?) -> ExerciseResult
  {
    var generator = SeededGenerator(seed: 32)
    let similarity = Tensor.uniform(
      [4, 4], low: -1, high: 1, using: &generator,
      requiresGrad: true)
    guard let value = loss(similarity, 5) else { return .notAttempted("Exercise 2") }
    var findings = Findings()
    let logits = similarity * 5
    let targets = [0, 1, 2, 3]
    let reference =
      (crossEntropy(logits, targets: targets)
        + crossEntropy(logits.transposed(), targets: targets)) * 0.5
    findings.expect(
      value.count == 1 && abs(value.data[0] - reference.item) < 1e-5,
      "value \(value.data) equals the symmetric cross-entropy \(reference.item)")
    // An asymmetric matrix tells a one-directional loss from the symmetric one.
    let report = checkGradients(at: [similarity], using: &generator) {
      loss($0[0], 5) ?? $0[0]
    }
    findings.expect(report.passed, "gradient check: \(report)")
    return findings.result
  }

  /// Exercise 3: the question "how many objects are there?" with its answer as a word.
  public static func objectCountQuestion(
    _ question: (Scene) -> (question: String, answer: String)?
  ) -> ExerciseResult {
    var generator = SeededGenerator(seed: 33)
    var findings = Findings()
    let words = ["zero", "one", "two", "three"]
    var wrong = 0
    for _ in 0..<200 {
      let scene = Scene.random(using: &generator)
      guard let (text, answer) = question(scene) else {
        return .notAttempted("Exercise 3")
      }
      if text != "how many objects are there?" { wrong += 1; continue }
      // Count the objects in the pixels: connected regions of the segmentation map.
      if answer != words[min(regions(scene.segmentation()), 3)] { wrong += 1 }
    }
    findings.expect(
      wrong == 0, "right question and answer for 200 scenes (\(wrong) wrong)")
    return findings.result
  }

  /// Connected non-background regions of a 32×32 class map (4-neighbours).
  static func regions(_ map: [Int]) -> Int {
    var seen = [Bool](repeating: false, count: map.count)
    var count = 0
    for start in map.indices where map[start] != 0 && !seen[start] {
      count += 1
      var stack = [start]
      seen[start] = true
      while let p = stack.popLast() {
        for q in [p - 1, p + 1, p - 32, p + 32] where q >= 0 && q < map.count {
          if abs(q % 32 - p % 32) <= 1 && !seen[q] && map[q] != 0 {
            seen[q] = true
            stack.append(q)
          }
        }
      }
    }
    return count
  }
}
