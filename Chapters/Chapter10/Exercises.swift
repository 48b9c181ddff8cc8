// The exercises of Chapter 10. Replace each stub with your answer, then run
//   swift run -c release Chapter10 --check-exercise N
import Exercises
import Exercises10

/// Exercise 1: the VQA accuracy of `answer` against `humans` (two or more answers, all
/// already normalised): for each human left out, min(1, how many of the others gave
/// `answer` / 3); then the mean over the humans.
func exerciseVQAAccuracy(_ answer: String, _ humans: [String]) -> Double? {
  return nil
}

/// Exercise 2: the mean IoU of `predicted` class maps against `truth` (ids below
/// `classes`): per class, the pixels where both say it over the pixels where either
/// does, each summed over all the maps; then the mean over the classes that appear in
/// either.
func exerciseMeanIoU(_ predicted: [[Int]], _ truth: [[Int]], _ classes: Int) -> Double? {
  return nil
}

/// Runs the checker of exercise `number`; true if it passed.
func checkChapter10Exercise(_ number: Int) -> Bool {
  runExercise(number, chapter: 10, [
    { Chapter10Checks.vqaAccuracy(exerciseVQAAccuracy) },
    { Chapter10Checks.meanIoU(exerciseMeanIoU) },
  ])
}
