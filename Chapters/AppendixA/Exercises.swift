// The exercises of Appendix A. Replace each stub with your answer, then run
//   swift run -c release AppendixA --check-exercise N
import Autograd
import Exercises
import ExercisesA

/// Exercise 1: the walk `permute` makes. The output's axes in order (`order[i]` is the
/// input axis that output axis i reads), each as (size, the input's stride along it);
/// axes of size 1 left out; an axis folded into the one before it when the input
/// steps through the two as through one axis (the outer stride equals the inner size
/// times the inner stride). A tensor with no axis longer than 1 walks [(1, 1)].
/// Example: shape [2, 3, 4] in order [0, 2, 1] walks [(2, 12), (4, 1), (3, 4)].
func exerciseMergedAxes(_ shape: [Int], _ order: [Int]) -> [(size: Int, stride: Int)]? {
  return nil
}

/// Exercise 2: Σ values, spread over the engine's workers (`Parallel.forEach` or
/// `forEachShare`), giving the same bits whatever `Parallel.workers` is.
func exerciseDeterministicSum(_ values: [Float]) -> Float? {
  return nil
}

/// Runs the checker of exercise `number`; true if it passed.
func checkAppendixAExercise(_ number: Int) -> Bool {
  runExercise(number, of: "Appendix A", executable: "AppendixA", [
    { AppendixAChecks.mergedAxes(exerciseMergedAxes) },
    { AppendixAChecks.deterministicSum(exerciseDeterministicSum) },
  ])
}
