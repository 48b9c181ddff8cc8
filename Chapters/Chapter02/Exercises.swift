// The exercises of Chapter 2. Replace each stub with your answer, then run
//   swift run -c release Chapter02 --check-exercise N
import Autograd
import Exercises
import Exercises02

/// Exercise 1: one step of SGD with momentum μ and learning rate η on plain arrays:
/// v ← μ·v + g, then θ ← θ − η·v. Return true once written.
func exerciseMomentumStep(
  _ theta: inout [Float], _ velocity: inout [Float], _ gradient: [Float],
  _ learningRate: Float, _ momentum: Float
) -> Bool {
  return false
}

/// Exercise 2: 2×2 max pooling of [B, C, H, W] (H and W even) → [B, C, H/2, W/2],
/// from `reshaped`, `permuted` and `max(axes:)`.
func exerciseMaxPool(_ x: Tensor) -> Tensor? {
  return nil
}

/// Exercise 3: the inverse-square-root schedule at 0-based `step`:
/// base · min(t/warmup, √(warmup/t)) with t = step + 1.
func exerciseInverseSquareRoot(_ step: Int, _ base: Float, _ warmup: Int) -> Float? {
  return nil
}

/// Exercise 4: normalise the last axis of `x` to mean 0 and variance 1 (ε added to the
/// variance), from library operations.
func exerciseLayerNormalisation(_ x: Tensor, _ epsilon: Float) -> Tensor? {
  return nil
}

/// Runs the checker of exercise `number`; true if it passed.
func checkChapter02Exercise(_ number: Int) -> Bool {
  runExercise(number, chapter: 2, [
    { Chapter02Checks.momentumStep(exerciseMomentumStep) },
    { Chapter02Checks.maxPool(exerciseMaxPool) },
    { Chapter02Checks.inverseSquareRoot(exerciseInverseSquareRoot) },
    { Chapter02Checks.layerNormalisation(exerciseLayerNormalisation) },
  ])
}
