// The exercises of Chapter 5. Replace each stub with your answer, then run
//   swift run -c release Chapter05 --check-exercise N
import Autograd
import Exercises
import Exercises05

/// Exercise 1: the recency index of each image for one token, from the row of which
/// images it sees: 1 for the most recent seen image, 2 for the one before, 0 if unseen.
func exerciseRecency(_ row: [Bool]) -> [Int]? {
  return nil
}

/// Exercise 2: MMFS's normalisation with a null slot of value zero and total mass 1:
/// each weight is e^s / (1 + Σ e^s) over its row. Keep it finite for logits near 1000.
func exerciseSoftmaxWithNullSlot(_ logits: Tensor) -> Tensor? {
  return nil
}

/// Exercise 3: the pixels one bilinear sample reads, with their weights, for a map of
/// `height`×`width` and a normalised location (x, y) (as `bilinearSample`: pixel =
/// loc·size − ½; leave out, or give weight 0 to, neighbours outside the map).
func exerciseBilinearTaps(_ height: Int, _ width: Int, _ x: Float, _ y: Float)
  -> [(row: Int, column: Int, weight: Float)]?
{
  return nil
}

/// Exercise 4: the image mask of a packed sequence of T tokens, from where documents
/// and images start: [T, N] row-major over the N images in order. An image starts at
/// its first token; token t sees image j when both are in the same document and j
/// starts at or before t.
func exerciseImageMask(_ isDocumentStart: [Bool], _ isImageStart: [Bool]) -> [Bool]? {
  return nil
}

/// Runs the checker of exercise `number`; true if it passed.
func checkChapter05Exercise(_ number: Int) -> Bool {
  runExercise(number, chapter: 5, [
    { Chapter05Checks.recency(exerciseRecency) },
    { Chapter05Checks.softmaxWithNullSlot(exerciseSoftmaxWithNullSlot) },
    { Chapter05Checks.bilinearTaps(exerciseBilinearTaps) },
    { Chapter05Checks.imageMask(exerciseImageMask) },
  ])
}
