import Autograd
import Exercises
import Platform
import Synchronizer

/// Checkers for the exercises of Chapter 5.
public enum Chapter05Checks {
  /// Exercise 1: recency indices of one token's visibility row.
  public static func recency(_ recency: ([Bool]) -> [Int]?) -> ExerciseResult {
    guard recency([true]) != nil else { return .notAttempted("Exercise 1") }
    var findings = Findings()
    var generator = SeededGenerator(seed: 51)
    var wrong = 0
    for _ in 0..<200 {
      let row = (0..<(1 + generator.nextInt(below: 6))).map { _ in
        generator.nextUniform() < 0.6
      }
      if recency(row) != recencyIndices(row, images: row.count) { wrong += 1 }
    }
    findings.expect(
      wrong == 0, "200 random rows agree with the library (\(wrong) differ)")
    findings.expect(
      recency([true, false, true]) == [2, 0, 1],
      "[seen, unseen, seen] → [2, 0, 1]")
    return findings.result
  }

  /// Exercise 2: attention weights with a null slot of total mass 1 ("softmax plus one").
  public static func softmaxWithNullSlot(_ weights: (Tensor) -> Tensor?) -> ExerciseResult
  {
    var generator = SeededGenerator(seed: 52)
    let logits = Tensor.normal([3, 5], std: 2, using: &generator, requiresGrad: true)
    guard let w = weights(logits) else { return .notAttempted("Exercise 2") }
    var findings = Findings()
    var expected: [Float] = []
    for row in 0..<3 {
      let values = (0..<5).map { Double(logits[row, $0]) }
      let total = 1 + values.reduce(0) { $0 + exp($1) }
      expected += values.map { Float(exp($0) / total) }
    }
    let close = w.count == 15 && zip(w.data, expected).allSatisfy { abs($0 - $1) < 1e-5 }
    findings.expect(close, "values e^s / (1 + Σ e^s), row by row")
    let huge = weights(Tensor([[1000, 999]])).map { $0.data } ?? []
    findings.expect(huge.allSatisfy { $0.isFinite }, "finite for logits near 1000")
    let report = checkGradients(at: [logits], using: &generator) {
      weights($0[0]) ?? $0[0]
    }
    findings.expect(report.passed, "gradient check: \(report)")
    return findings.result
  }

  /// Exercise 3: the taps of one bilinear sample — (row, column, weight) of the pixels
  /// that count, for a map of `height`×`width` and a normalised location (x, y).
  public static func bilinearTaps(
    _ taps: (_ height: Int, _ width: Int, _ x: Float, _ y: Float)
      -> [(row: Int, column: Int, weight: Float)]?
  ) -> ExerciseResult {
    guard taps(2, 2, 0.5, 0.5) != nil else { return .notAttempted("Exercise 3") }
    var findings = Findings()
    // The middle of a 2×2 map: all four pixels, a quarter each.
    let middle = taps(2, 2, 0.5, 0.5)!.filter { $0.weight != 0 }
    findings.expect(
      middle.count == 4 && middle.allSatisfy { abs($0.weight - 0.25) < 1e-6 },
      "(½, ½) of a 2×2 map: four taps of weight ¼")
    // Against the library on random maps, inside and up to a pixel beyond the borders.
    var generator = SeededGenerator(seed: 53)
    var worst: Float = 0
    var outside = 0
    for _ in 0..<200 {
      let (h, w) = (1 + generator.nextInt(below: 5), 1 + generator.nextInt(below: 5))
      let map = Tensor.normal([1, h, w, 1], using: &generator)
      let (x, y) = (generator.uniform(-0.3, 1.3), generator.uniform(-0.3, 1.3))
      let expected = bilinearSample(map, at: Tensor(shape: [1, 1, 2], data: [x, y]))
      let found = taps(h, w, x, y) ?? []
      outside +=
        found.filter { tap in
          tap.weight != 0 && !(0..<h ~= tap.row && 0..<w ~= tap.column)
        }.count
      let value = found.filter { 0..<h ~= $0.row && 0..<w ~= $0.column }
        .reduce(Float(0)) { $0 + $1.weight * map.data[$1.row * w + $1.column] }
      worst = max(worst, abs(value - expected.data[0]))
    }
    findings.expect(
      worst < 1e-5, "200 random samples match bilinearSample (largest error \(worst))")
    findings.expect(
      outside == 0, "no weight on a pixel outside the map (\(outside) found)")
    return findings.result
  }

  /// Exercise 4: the image mask of a packed token sequence. `isImageStart[t]` marks the
  /// first token of an image, `isDocumentStart[t]` the first token of a document; the
  /// answer is [T, N] row-major over the N images in order of appearance.
  public static func imageMask(
    _ mask: (_ isDocumentStart: [Bool], _ isImageStart: [Bool]) -> [Bool]?
  ) -> ExerciseResult {
    guard mask([true], [false]) != nil else { return .notAttempted("Exercise 4") }
    var findings = Findings()
    // Two documents: [d0: text, image, text][d1: image, text, image, text].
    let documentStarts = [true, false, false, true, false, false, false]
    let imageStarts = [false, true, false, true, false, true, false]
    let rows: [[Bool]] = [
      [false, false, false],  // t0: d0's text, before its image
      [true, false, false], [true, false, false],  // t1, t2: d0's image
      [false, true, false], [false, true, false],  // t3, t4: d1's first image only
      [false, true, true], [false, true, true],  // t5, t6: both of d1's images
    ]
    let asExpected = mask(documentStarts, imageStarts) == rows.flatMap { $0 }
    findings.expect(asExpected, "two packed documents, three images")
    // Random packed sequences against the library's rule.
    var generator = SeededGenerator(seed: 54)
    var wrong = 0
    for _ in 0..<100 {
      let length = 2 + generator.nextInt(below: 20)
      var starts = (0..<length).map { _ in generator.nextUniform() < 0.2 }
      starts[0] = true
      let images = (0..<length).map { _ in generator.nextUniform() < 0.25 }
      var documents: [Int] = []
      for t in 0..<length {
        documents.append((documents.last ?? -1) + (starts[t] ? 1 : 0))
      }
      let imageTokens = (0..<length).filter { images[$0] }
      let library = imageVisibility(
        tokenDocuments: documents, imageStarts: imageTokens,
        imageDocuments: imageTokens.map { documents[$0] })
      if mask(starts, images) != library { wrong += 1 }
    }
    findings.expect(wrong == 0, "100 random packed sequences (\(wrong) differ)")
    return findings.result
  }
}
