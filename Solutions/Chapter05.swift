// Solutions to the exercises of Chapter 5.
import Autograd

public enum Chapter05Solutions {
  /// Count the visible images from the right: the last one seen is 1.
  public static func recency(_ row: [Bool]) -> [Int]? {
    var result = [Int](repeating: 0, count: row.count)
    var rank = 0
    for j in row.indices.reversed() where row[j] {
      rank += 1
      result[j] = rank
    }
    return result
  }

  /// Append a zero logit (e⁰ = 1: the null slot), take the softmax, drop the slot.
  /// Softmax subtracts the maximum, so large logits stay finite.
  public static func softmaxWithNullSlot(_ logits: Tensor) -> Tensor? {
    let rows = logits.shape[0], columns = logits.shape[1]
    let extended = Tensor.concatenate([logits, Tensor.zeros([rows, 1])], axis: 1)
    return extended.softmax().sliced(axis: 1, 0..<columns)
  }
}
