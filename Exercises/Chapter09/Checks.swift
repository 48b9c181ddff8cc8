import Autograd
import Exercises
import Layers
import Training

/// Checkers for the exercises of Chapter 9. Each compares the reader's answer with the
/// library's (`CellBox`, `LearningRateSchedule`) on hand-made cases and random ones.
public enum Chapter09Checks {
  /// Exercise 1: intersection over union of two boxes of grid cells, corners
  /// inclusive.
  public static func boxOverlap(
    _ overlap: (_ a: (Int, Int, Int, Int), _ b: (Int, Int, Int, Int)) -> Double?
  ) -> ExerciseResult {
    guard overlap((0, 0, 0, 0), (0, 0, 0, 0)) != nil else {
      return .notAttempted("Exercise 1")
    }
    var findings = Findings()
    let same = overlap((1, 1, 2, 2), (1, 1, 2, 2)) ?? -1
    findings.expect(abs(same - 1) < 1e-12, "a box with itself: 1 (got \(same))")
    let half = overlap((0, 0, 1, 0), (1, 0, 2, 0)) ?? -1
    findings.expect(
      abs(half - 1.0 / 3) < 1e-12,
      "(0,0)(1,0) and (1,0)(2,0): one shared cell of three, 1/3 (got \(half)); corners "
        + "are inclusive, so a box (x1,y1)(x2,y2) covers (x2 − x1 + 1)(y2 − y1 + 1) "
        + "cells")
    let apart = overlap((0, 0, 1, 1), (3, 3, 4, 4)) ?? -1
    findings.expect(apart == 0, "boxes apart: 0 (got \(apart))")
    var g = SeededGenerator(seed: 91)
    var wrong = 0
    for _ in 0..<500 {
      let box = { (g: inout SeededGenerator) -> (Int, Int, Int, Int) in
        let (x, y) = (g.nextInt(below: 8), g.nextInt(below: 8))
        return (x, y, x + g.nextInt(below: 8 - x), y + g.nextInt(below: 8 - y))
      }
      let (a, b) = (box(&g), box(&g))
      let expected = CellBox(a.0, a.1, a.2, a.3)
        .intersectionOverUnion(CellBox(b.0, b.1, b.2, b.3))
      if abs((overlap(a, b) ?? -1) - expected) > 1e-12 { wrong += 1 }
    }
    findings.expect(wrong == 0, "\(wrong) of 500 random pairs of boxes differ")
    return findings.result
  }

  /// Exercise 2: the learning rate of step `step` with warm restarts.
  public static func restartedRate(
    _ rate: (
      _ step: Int, _ base: Float, _ minimum: Float, _ warmup: Int, _ total: Int,
      _ restarts: [Int]
    ) -> Float?
  ) -> ExerciseResult {
    guard rate(0, 1, 0, 1, 2, []) != nil else { return .notAttempted("Exercise 2") }
    var findings = Findings()
    let atRestart = rate(10, 1, 0.1, 4, 20, [10]) ?? -1
    findings.expect(
      abs(atRestart - 0.25) < 1e-6,
      "base 1, warm-up 4, restart at 10: step 10 is the first of a new warm-up, "
        + "1 · 1/4 (got \(atRestart))")
    let beforeRestart = rate(9, 1, 0.1, 4, 20, [10]) ?? -1
    let expectedBefore = LearningRateSchedule(
      base: 1, warmupSteps: 4, totalSteps: 20, minimum: 0.1, restarts: [10])(9)
    findings.expect(
      abs(beforeRestart - expectedBefore) < 1e-6,
      "step 9 ends the first cycle (steps 0-9): \(expectedBefore) (got \(beforeRestart))")
    var g = SeededGenerator(seed: 92)
    var wrong = 0
    for _ in 0..<300 {
      let total = 10 + g.nextInt(below: 200)
      let warmup = g.nextInt(below: 10)
      let restarts = (0..<g.nextInt(below: 4)).map { _ in
        1 + g.nextInt(below: total - 1)
      }
      let sorted = Array(Set(restarts)).sorted()
      let step = g.nextInt(below: total)
      let expected = LearningRateSchedule(
        base: 2e-3, warmupSteps: warmup, totalSteps: total, minimum: 1e-4,
        restarts: sorted)(step)
      let got = rate(step, 2e-3, 1e-4, warmup, total, sorted) ?? -1
      if abs(got - expected) > 1e-7 { wrong += 1 }
    }
    findings.expect(wrong == 0, "\(wrong) of 300 random schedules and steps differ")
    return findings.result
  }
}
