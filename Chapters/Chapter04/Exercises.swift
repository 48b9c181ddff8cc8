// The exercises of Chapter 4. Replace each stub with your answer, then run
//   swift run -c release Chapter04 --check-exercise N
import Autograd
import Exercises
import Exercises04

/// Exercise 1: the number of parameters of a `PerceiverResampler` with K latents of
/// width C and the given number of layers (count every weight, bias and gain).
func exerciseParameterCount(_ tokens: Int, _ width: Int, _ layers: Int) -> Int? {
  return nil
}

/// Exercise 2: a bottleneck with nothing to learn: [B, M, C] → [B, K, C], each output
/// the mean of N/K consecutive input tokens. (Try it in the experiment in place of the
/// resampler: what does it keep, and what does it lose?)
func exerciseAveragedTokens(_ tokens: Tensor, _ k: Int) -> Tensor? {
  return nil
}

/// Runs the checker of exercise `number`; true if it passed.
func checkChapter04Exercise(_ number: Int) -> Bool {
  runExercise(number, chapter: 4, [
    { Chapter04Checks.parameterCount(exerciseParameterCount) },
    { Chapter04Checks.averagedTokens(exerciseAveragedTokens) },
  ])
}
