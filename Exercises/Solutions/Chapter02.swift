// Solutions to the exercises of Chapter 2.
import Autograd
import Layers

public enum Chapter02Solutions {
  /// v ← μ·v + g;  θ ← θ − η·v (no weight decay).
  public static func momentumStep(
    _ theta: inout [Float], _ velocity: inout [Float], _ gradient: [Float],
    _ learningRate: Float, _ momentum: Float
  ) -> Bool {
    for i in theta.indices {
      velocity[i] = momentum * velocity[i] + gradient[i]
      theta[i] -= learningRate * velocity[i]
    }
    return true
  }

  /// Split H and W into (H/2, 2) and (W/2, 2), bring the two window axes last, and take
  /// the maximum over them.
  public static func maxPool(_ x: Tensor) -> Tensor? {
    let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    return x.reshaped([b, c, h / 2, 2, w / 2, 2])
      .permuted([0, 1, 2, 4, 3, 5])
      .max(axes: [4, 5])
  }

  /// base · min(step/warmup, √(warmup/step)) with 1-based steps.
  public static func inverseSquareRoot(
    _ step: Int, _ base: Float, _ warmup: Int
  ) -> Float? {
    let t = Float(step + 1), w = Float(warmup)
    return base * min(t / w, (w / t).squareRoot())
  }

  public static func layerNormalisation(_ x: Tensor, _ epsilon: Float) -> Tensor? {
    let centred = x - x.mean(axis: -1, keepingDims: true)
    let variance = (centred * centred).mean(axis: -1, keepingDims: true)
    return centred / (variance + epsilon).sqrt()
  }
}
