import Autograd

// Solutions to the exercises of Chapter 1. Kept apart from the chapter so a teacher
// can hand out the chapter alone; the test suite checks each with its checker.
import Platform

public enum Chapter01Solutions {
  /// log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|): the exponent is never positive.
  /// Its derivative is the logistic function σ(x).
  public static func softplus(_ x: Tensor) -> Tensor? {
    x.map(
      "softplus", { v in max(v, 0) + log1pf(FastMath.exp(-abs(v))) },
      derivative: { v, _ in FastMath.sigmoid(v) })
  }

  /// m + log Σ exp(x − m) with m the maximum along the axis. The maximum is detached:
  /// the result does not depend on m mathematically, so no gradient should flow
  /// through it (letting it flow would also be correct, just wasted work).
  public static func logSumExp(_ x: Tensor, axis: Int) -> Tensor? {
    let m = x.max(axis: axis, keepingDims: true).detached()
    let shifted = (x - m).exp().sum(axis: axis, keepingDims: true).log() + m
    var shape = x.shape
    shape.remove(at: axis < 0 ? axis + x.rank : axis)
    return shifted.reshaped(shape)
  }

  /// Walk every element of the gradient, find the element of the target it was
  /// broadcast from (index 0 along broadcast axes), and add.
  public static func sumToShape(
    _ gradient: [Float], shape: [Int], target: [Int]
  )
    -> [Float]?
  {
    let lead = shape.count - target.count
    var result = [Float](repeating: 0, count: target.reduce(1, *))
    var index = [Int](repeating: 0, count: shape.count)
    for value in gradient {
      var offset = 0
      for (i, size) in target.enumerated() {
        offset = offset * size + (size == 1 ? 0 : index[lead + i])
      }
      result[offset] += value
      var axis = shape.count - 1
      while axis >= 0 {
        index[axis] += 1
        if index[axis] < shape[axis] { break }
        index[axis] = 0
        axis -= 1
      }
    }
    return result
  }

  /// mean |p − t|. Where p = t, |·| has no derivative; `abs` uses 0 there (a valid
  /// subgradient), as PyTorch's L1 loss does.
  public static func meanAbsoluteError(_ prediction: Tensor, _ target: Tensor) -> Tensor?
  {
    (prediction - target).abs().mean()
  }
}
