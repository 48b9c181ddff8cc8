// The exercises of Chapter 9. Replace each stub with your answer, then run
//   swift run -c release Chapter09 --check-exercise N
import Exercises
import Exercises09

/// Exercise 1: the intersection over union of two boxes of grid cells, each given as
/// (x1, y1, x2, y2) with both corners inclusive: a box covers (x2 − x1 + 1) ·
/// (y2 − y1 + 1) cells.
func exerciseBoxOverlap(_ a: (Int, Int, Int, Int), _ b: (Int, Int, Int, Int)) -> Double? {
  return nil
}

/// Exercise 2: the learning rate of step `step` (0-based) of a schedule that warms up
/// linearly over `warmup` steps, then decays along a cosine from `base` to `minimum`,
/// and starts again (warm-up included) at each step of `restarts` (sorted; the last
/// cycle ends at `total`).
func exerciseRestartedRate(
  step: Int, base: Float, minimum: Float, warmup: Int, total: Int, restarts: [Int]
) -> Float? {
  return nil
}

/// Runs the checker of exercise `number`; true if it passed.
func checkChapter09Exercise(_ number: Int) -> Bool {
  runExercise(number, chapter: 9, [
    { Chapter09Checks.boxOverlap(exerciseBoxOverlap) },
    {
      Chapter09Checks.restartedRate {
        exerciseRestartedRate(
          step: $0, base: $1, minimum: $2, warmup: $3, total: $4, restarts: $5)
      }
    },
  ])
}
