// Solutions to the exercises of Appendix B.

public enum AppendixBSolutions {
  /// fp16 weights (2 bytes each, frozen or not), fp16 gradients of the trained ones
  /// (2), and Adam's fp32 master copy, mean and square mean of the trained ones (12).
  /// ZeRO's stages shard, in turn, the optimiser state, the gradients, the weights.
  public static func bytesPerGPU(
    _ parameters: Int, _ trainable: Int, _ gpus: Int, _ stage: Int
  ) -> Double? {
    let weights = 2 * Double(parameters)
    let gradients = 2 * Double(trainable)
    let state = 12 * Double(trainable)
    let g = Double(gpus)
    switch stage {
    case 0: return weights + gradients + state
    case 1: return weights + gradients + state / g
    case 2: return weights + (gradients + state) / g
    default: return (weights + gradients + state) / g
    }
  }

  /// A ring all-reduce is a reduce-scatter then an all-gather, each G − 1 steps of
  /// one G-th of the data: 2·(G − 1)/G of the gradients leave every GPU.
  public static func ringAllReduce(_ gradientBytes: Double, _ gpus: Int) -> Double? {
    2 * Double(gpus - 1) / Double(gpus) * gradientBytes
  }
}
