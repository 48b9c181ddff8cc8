import Autograd
import Evaluation
import Exercises

/// Checkers for the exercises of Chapter 10. Each compares the reader's answer with the
/// library's (`VQAAccuracy`, `meanIoU`) on hand-made cases and random ones.
public enum Chapter10Checks {
  /// Exercise 1: VQA accuracy of an answer against several humans' answers (answers
  /// already normalised), averaged over the ways of leaving one human out.
  public static func vqaAccuracy(
    _ accuracy: (_ answer: String, _ humans: [String]) -> Double?
  ) -> ExerciseResult {
    guard accuracy("a", ["a", "b"]) != nil else { return .notAttempted("Exercise 1") }
    var findings = Findings()
    let humans = ["red", "red"] + Array(repeating: "blue", count: 8)
    let two = accuracy("red", humans) ?? -1
    findings.expect(
      abs(two - 0.6) < 1e-12,
      "two of ten humans said \"red\": leaving one of them out leaves 1 match (1/3), "
        + "leaving out one of the other eight leaves 2 (2/3); (2/3 + 16/3)/10 = 0.6 "
        + "(got \(two))")
    let many = accuracy("blue", humans) ?? -1
    findings.expect(many == 1, "eight humans agree: 1 whoever is left out (got \(many))")
    let none = accuracy("green", humans) ?? -1
    findings.expect(none == 0, "nobody said it: 0 (got \(none))")
    var g = SeededGenerator(seed: 101)
    var wrong = 0
    let words = ["red", "blue", "two", "circle"]
    for _ in 0..<400 {
      let count = 2 + g.nextInt(below: 9)
      let answers = (0..<count).map { _ in words[g.nextInt(below: words.count)] }
      let answer = words[g.nextInt(below: words.count)]
      let expected = VQAAccuracy.accuracy(answer, humanAnswers: answers)
      if abs((accuracy(answer, answers) ?? -1) - expected) > 1e-12 { wrong += 1 }
    }
    findings.expect(wrong == 0, "\(wrong) of 400 random cases differ")
    return findings.result
  }

  /// Exercise 2: the mean IoU of predicted class maps against true ones, over the
  /// classes present in either, intersections and unions summed over the maps first.
  public static func meanIoU(
    _ mean: (_ predicted: [[Int]], _ truth: [[Int]], _ classes: Int) -> Double?
  ) -> ExerciseResult {
    guard mean([[0]], [[0]], 1) != nil else { return .notAttempted("Exercise 2") }
    var findings = Findings()
    let worked =
      mean([[0, 1, 1, 1], [2, 0, 0, 0]], [[0, 0, 1, 1], [2, 2, 0, 0]], 4) ?? -1
    let expected = (3.0 / 5 + 2.0 / 3 + 1.0 / 2) / 3
    findings.expect(
      abs(worked - expected) < 1e-12,
      "the worked example of the chapter's tests: (3/5 + 2/3 + 1/2)/3 = "
        + "\(expected) (got \(worked)); class 3 appears nowhere and does not count")
    let split = mean([[1, 1], [0, 0]], [[1, 0], [0, 0]], 2) ?? -1
    findings.expect(
      abs(split - (1.0 / 2 + 2.0 / 3) / 2) < 1e-12,
      "sums over both maps before dividing: class 1 is 1/2, class 0 is 2/3, mean "
        + "7/12, not the mean of per-map means (got \(split))")
    var g = SeededGenerator(seed: 102)
    var wrong = 0
    for _ in 0..<200 {
      let (maps, size, classes) = (1 + g.nextInt(below: 4), 1 + g.nextInt(below: 12), 5)
      let draw = { (g: inout SeededGenerator) in
        (0..<maps).map { _ in (0..<size).map { _ in g.nextInt(below: classes) } }
      }
      let (p, t) = (draw(&g), draw(&g))
      let expected = Evaluation.meanIoU(p, t, classes: classes)
      if abs((mean(p, t, classes) ?? -1) - expected) > 1e-12 { wrong += 1 }
    }
    findings.expect(wrong == 0, "\(wrong) of 200 random sets of maps differ")
    return findings.result
  }
}
