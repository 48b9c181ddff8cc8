// The exercises of Chapter 6. Replace each stub with your answer, then run
//   swift run -c release Chapter06 --check-exercise N
import Autograd
import Exercises
import Exercises06

/// Exercise 1: the pair byte-pair encoding merges next: the adjacent pair with the
/// largest total count over `words` (each an id sequence and how often it occurs);
/// ties go to the smaller pair (first id, then second). Answer [first, second], or []
/// when no word has two ids.
func exerciseNextMerge(_ words: [(ids: [Int], count: Int)]) -> [Int]? {
  return nil
}

/// Exercise 2: nucleus (top-p) filtering: keep the smallest set of most likely tokens
/// (ties: smaller id first) whose probabilities add up to at least p; zero the rest
/// and renormalise.
func exerciseNucleus(_ probabilities: [Float], p: Float) -> [Float]? {
  return nil
}

/// Exercise 3: RoPE for one head vector of even width d at position `position`
/// (base 10000): pair i with i + d/2 and turn it by position·10000^(−2i/d).
func exerciseRotate(_ vector: [Float], position: Int) -> [Float]? {
  return nil
}

/// Exercise 4: the inputs and next-token targets of a conversation: inputs are all
/// tokens but the last; target i is token i + 1 if that token is part of an answer,
/// else −1.
func exerciseLossMask(_ tokens: [Int], isAnswer: [Bool])
  -> (inputs: [Int], targets: [Int])?
{
  return nil
}

/// Runs the checker of exercise `number`; true if it passed.
func checkChapter06Exercise(_ number: Int) -> Bool {
  runExercise(number, chapter: 6, [
    { Chapter06Checks.nextMerge(exerciseNextMerge) },
    { Chapter06Checks.nucleus(exerciseNucleus) },
    { Chapter06Checks.rotate(exerciseRotate) },
    { Chapter06Checks.lossMask(exerciseLossMask) },
  ])
}
