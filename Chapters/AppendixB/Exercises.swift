// The exercises of Appendix B. Replace each stub with your answer, then run
//   swift run -c release AppendixB --check-exercise N
import Exercises
import ExercisesB

/// Exercise 1: the bytes one GPU holds for weights, gradients and optimiser state
/// when `parameters` parameters (of which `trainable` learn) are trained in fp16 mixed
/// precision with Adam on `gpus` GPUs under ZeRO stage `stage` (0: nothing sharded;
/// 1: the optimiser state; 2: and the gradients; 3: and the weights).
func exerciseBytesPerGPU(
  _ parameters: Int, _ trainable: Int, _ gpus: Int, _ stage: Int
) -> Double? {
  return nil
}

/// Exercise 2: the bytes each of `gpus` GPUs sends per step when a ring all-reduce
/// averages `gradientBytes` bytes of gradients.
func exerciseRingAllReduce(_ gradientBytes: Double, _ gpus: Int) -> Double? {
  return nil
}

/// Runs the checker of exercise `number`; true if it passed.
func checkAppendixBExercise(_ number: Int) -> Bool {
  runExercise(number, of: "Appendix B", executable: "AppendixB", [
    { AppendixBChecks.bytesPerGPU(exerciseBytesPerGPU) },
    { AppendixBChecks.ringAllReduce(exerciseRingAllReduce) },
  ])
}
