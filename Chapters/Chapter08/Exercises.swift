// The exercises of Chapter 8. Replace each stub with your answer, then run
//   swift run -c release Chapter08 --check-exercise N
import Exercises
import Exercises08
import Interleaved
import Language

/// Exercise 1: one document's tokens: `<s>`, then for each item its text ids, or for an
/// image `<img>` and `slots` × `<image>`; then `</s>`.
func exerciseDocumentTokens(
  _ items: [DocumentItem], slots: Int, special: SpecialTokens
) -> [Int]? {
  return nil
}

/// Exercise 2: the next-token target of every position of a packed sequence, −1 where
/// the text loss must not look. Documents start at `<s>` (padding, after the last
/// document, belongs to none); `captionDocuments` holds the numbers (0, 1, …) of the
/// documents whose text before their first image is no target.
func exerciseTextTargets(
  _ tokens: [Int], special: SpecialTokens, captionDocuments: Set<Int>
) -> [Int]? {
  return nil
}

/// Exercise 3: the positions whose decoder states condition image `j` (0-based, in
/// order of the images' `<img>` tokens): from its document's `<s>` through its `<img>`,
/// nearest first.
func exerciseConditionSpan(
  _ tokens: [Int], special: SpecialTokens, image j: Int
) -> [Int]? {
  return nil
}

/// Exercise 4: the number of parameters of a `LanguageModel` with this configuration,
/// counted from its sizes (embedding, blocks, final norm, head).
func exerciseLanguageModelParameters(
  _ configuration: LanguageModelConfiguration
) -> Int? {
  return nil
}

/// Runs the checker of exercise `number`; true if it passed.
func checkChapter08Exercise(_ number: Int) -> Bool {
  runExercise(number, chapter: 8, [
    {
      Chapter08Checks.documentTokens {
        exerciseDocumentTokens($0, slots: $1, special: $2)
      }
    },
    {
      Chapter08Checks.textTargets {
        exerciseTextTargets($0, special: $1, captionDocuments: $2)
      }
    },
    {
      Chapter08Checks.conditionSpan {
        exerciseConditionSpan($0, special: $1, image: $2)
      }
    },
    { Chapter08Checks.languageModelParameters(exerciseLanguageModelParameters) },
  ])
}
