// The exercises of Chapter 1. Replace each `return nil` with your answer, then run
//   swift run -c release Chapter01 --check-exercise N
import Autograd
import Exercises
import Exercises01

/// Exercise 1: softplus(x) = log(1 + eˣ), elementwise, with its derivative.
/// Hint: `x.map("softplus", { v in … }, derivative: { v, y in … })`; for large |v|
/// rewrite log(1 + eᵛ) so that nothing overflows.
func exerciseSoftplus(_ x: Tensor) -> Tensor? {
  return nil
}

/// Exercise 2: log Σ exp(x) along `axis` (the axis disappears), exact for logits
/// near 1000, built from library operations so autograd gives the gradient.
func exerciseLogSumExp(_ x: Tensor, axis: Int) -> Tensor? {
  return nil
}

/// Exercise 3: sum `gradient` (laid out row-major with `shape`) down to `target`,
/// a shape that broadcasts to `shape`. Return the values of the result.
func exerciseSumToShape(_ gradient: [Float], shape: [Int], target: [Int]) -> [Float]? {
  return nil
}

/// Exercise 4: mean of |prediction − target| over all elements.
func exerciseMeanAbsoluteError(_ prediction: Tensor, _ target: Tensor) -> Tensor? {
  return nil
}

/// Runs the checker of exercise `number`; true if it passed.
func checkChapter01Exercise(_ number: Int) -> Bool {
  runExercise(number, chapter: 1, [
    { Chapter01Checks.softplus(exerciseSoftplus) },
    { Chapter01Checks.logSumExp { exerciseLogSumExp($0, axis: $1) } },
    { Chapter01Checks.sumToShape { exerciseSumToShape($0, shape: $1, target: $2) } },
    { Chapter01Checks.meanAbsoluteError(exerciseMeanAbsoluteError) },
  ])
}
