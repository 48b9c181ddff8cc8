import Autograd
import Exercises

/// Checkers for the exercises of Appendix B: each compares the reader's formula with
/// hand-worked cases and with the reference on random sizes.
public enum AppendixBChecks {
  /// Exercise 1: bytes per GPU of weights, gradients and optimiser state in fp16
  /// mixed precision with Adam, under ZeRO stage 0 to 3.
  public static func bytesPerGPU(
    _ answer: (_ parameters: Int, _ trainable: Int, _ gpus: Int, _ stage: Int) -> Double?
  ) -> ExerciseResult {
    guard answer(1, 1, 1, 0) != nil else { return .notAttempted("Exercise 1") }
    var findings = Findings()
    let hand: [(Int, Int, Int, Int, Double, String)] = [
      (1, 1, 1, 0, 16, "one trained parameter, one GPU: 2 + 2 + 12 bytes"),
      (10, 0, 4, 3, 5, "ten frozen parameters over 4 GPUs, stage 3: 20 bytes / 4"),
      (100, 100, 4, 1, 700, "stage 1: 200 + 200 on every GPU, 1,200 / 4 of the rest"),
      (100, 100, 4, 2, 550, "stage 2: the gradients are sharded too"),
      (100, 40, 2, 0, 760, "stage 0: 200 + 80 + 480, nothing sharded"),
    ]
    for (n, t, g, stage, expected, what) in hand {
      let got = answer(n, t, g, stage) ?? .nan
      findings.expect(
        close(got, expected), "\(what): \(expected) bytes, got \(got)")
    }
    var generator = SeededGenerator(seed: 61)
    var wrong: [String] = []
    for _ in 0..<200 {
      let n = 1 + generator.nextInt(below: 1_000_000_000)
      let t = generator.nextInt(below: n + 1)
      let g = 1 << generator.nextInt(below: 8)
      let stage = generator.nextInt(below: 4)
      let expected = reference(n, t, g, stage)
      let got = answer(n, t, g, stage) ?? .nan
      if !close(got, expected) && wrong.count < 3 {
        wrong.append(
          "\(n) parameters, \(t) trained, \(g) GPUs, stage \(stage): "
            + "\(expected), got \(got)")
      }
    }
    findings.expect(
      wrong.isEmpty,
      "200 random models" + (wrong.isEmpty ? "" : ": ") + wrong.joined(separator: "; "))
    return findings.result
  }

  /// Exercise 2: bytes each GPU sends in a ring all-reduce of the gradients.
  public static func ringAllReduce(
    _ answer: (_ gradientBytes: Double, _ gpus: Int) -> Double?
  ) -> ExerciseResult {
    guard answer(1, 2) != nil else { return .notAttempted("Exercise 2") }
    var findings = Findings()
    let hand: [(Double, Int, Double, String)] = [
      (100, 1, 0, "one GPU sends nothing"),
      (100, 2, 100, "two GPUs: half reduced, half gathered"),
      (100, 4, 150, "four GPUs: 2 · 3/4 of the gradients"),
      (2e9, 64, 3.9375e9, "64 GPUs: nearly twice the gradients, whatever the count"),
    ]
    for (bytes, g, expected, what) in hand {
      let got = answer(bytes, g) ?? .nan
      findings.expect(close(got, expected), "\(what): \(expected) bytes, got \(got)")
    }
    return findings.result
  }

  static func reference(_ n: Int, _ t: Int, _ g: Int, _ stage: Int) -> Double {
    let (weights, gradients, state) = (2 * Double(n), 2 * Double(t), 12 * Double(t))
    let gpus = Double(g)
    switch stage {
    case 0: return weights + gradients + state
    case 1: return weights + gradients + state / gpus
    case 2: return weights + (gradients + state) / gpus
    default: return (weights + gradients + state) / gpus
    }
  }

  static func close(_ a: Double, _ b: Double) -> Bool {
    Swift.abs(a - b) <= 1e-9 * Swift.max(1, Swift.abs(b))
  }
}
