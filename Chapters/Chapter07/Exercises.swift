// The exercises of Chapter 7. Replace each stub with your answer, then run
//   swift run -c release Chapter07 --check-exercise N
import Autograd
import Exercises
import Exercises07

/// Exercise 1: the forward process in closed form. Given β_0 … β_{T−1} and a 0-based
/// step t, return x_t = √ᾱ_t·x0 + √(1 − ᾱ_t)·ε, where ᾱ_t = (1 − β_0)·…·(1 − β_t).
func exerciseNoised(_ x0: [Float], noise: [Float], betas: [Float], t: Int) -> [Float]? {
  return nil
}

/// Exercise 2: one deterministic DDIM step (η = 0, no clipping) from noise level
/// ᾱ_now to ᾱ_before: predict the clean image from x and ε, then move it to the earlier
/// level along the same ε.
func exerciseDDIMStep(
  _ x: [Float], epsilon: [Float], alphaBarNow: Float, alphaBarBefore: Float
) -> [Float]? {
  return nil
}

/// Exercise 3: the sinusoidal code of timestep t, of even `width` d: sin(t·ω_i) for
/// i < d/2, then cos(t·ω_i), with ω_i = 10000^(−i/(d/2)).
func exerciseTimeCode(_ t: Int, width: Int) -> [Float]? {
  return nil
}

/// Exercise 4: the Fréchet distance (squared, as in the chapter) of two Gaussians with
/// diagonal covariances, given their means and per-axis variances.
func exerciseDiagonalFrechet(
  meanA: [Double], varianceA: [Double], meanB: [Double], varianceB: [Double]
) -> Double? {
  return nil
}

/// Runs the checker of exercise `number`; true if it passed.
func checkChapter07Exercise(_ number: Int) -> Bool {
  runExercise(number, chapter: 7, [
    { Chapter07Checks.noised { exerciseNoised($0, noise: $1, betas: $2, t: $3) } },
    {
      Chapter07Checks.ddimStep {
        exerciseDDIMStep($0, epsilon: $1, alphaBarNow: $2, alphaBarBefore: $3)
      }
    },
    { Chapter07Checks.timeCode { exerciseTimeCode($0, width: $1) } },
    {
      Chapter07Checks.diagonalFrechet {
        exerciseDiagonalFrechet(meanA: $0, varianceA: $1, meanB: $2, varianceB: $3)
      }
    },
  ])
}
