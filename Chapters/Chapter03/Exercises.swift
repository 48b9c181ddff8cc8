// The exercises of Chapter 3. Replace each stub with your answer, then run
//   swift run -c release Chapter03 --check-exercise N
import Autograd
import Datasets
import Exercises
import Exercises03

/// Exercise 1: cut images [B, C, H, W] into p×p patches, [B, N, C·p·p], with
/// `reshaped` and `permuted` (patches in reading order; within a patch, channel, then
/// row, then column).
func exercisePatchify(_ images: Tensor, _ p: Int) -> Tensor? {
  return nil
}

/// Exercise 2: the symmetric contrastive loss of a [B, B] image–caption similarity
/// matrix, scaled by `scale`: the mean of the cross-entropy over rows and over columns,
/// the diagonal being the targets.
func exerciseContrastiveLoss(_ similarity: Tensor, _ scale: Float) -> Tensor? {
  return nil
}

/// Exercise 3: a new question for the world, "how many objects are there?", answered
/// with a word ("one", "two", …).
func exerciseObjectCountQuestion(_ scene: Scene) -> (question: String, answer: String)? {
  return nil
}

/// Runs the checker of exercise `number`; true if it passed.
func checkChapter03Exercise(_ number: Int) -> Bool {
  runExercise(number, chapter: 3, [
    { Chapter03Checks.patchify(exercisePatchify) },
    { Chapter03Checks.contrastiveLoss(exerciseContrastiveLoss) },
    { Chapter03Checks.objectCountQuestion(exerciseObjectCountQuestion) },
  ])
}
