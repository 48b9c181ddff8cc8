// Solutions to the exercises of Chapter 6.
import Platform

public enum Chapter06Solutions {
  /// Count every adjacent pair, weighted by the word's count; take the largest count,
  /// and among equal counts the smallest pair.
  public static func nextMerge(_ words: [(ids: [Int], count: Int)]) -> [Int]? {
    var counts: [[Int]: Int] = [:]
    for (ids, count) in words where ids.count > 1 {
      for i in 0..<(ids.count - 1) { counts[[ids[i], ids[i + 1]], default: 0] += count }
    }
    let best = counts.max { a, b in
      a.value != b.value ? a.value < b.value : b.key.lexicographicallyPrecedes(a.key)
    }
    return best?.key ?? []
  }

  /// Sort by probability (ties: smaller id), add until the total reaches p, zero the
  /// rest, divide by the kept total.
  public static func nucleus(_ probabilities: [Float], p: Float) -> [Float]? {
    let order = probabilities.indices.sorted {
      probabilities[$0] != probabilities[$1]
        ? probabilities[$0] > probabilities[$1] : $0 < $1
    }
    var kept = [Float](repeating: 0, count: probabilities.count)
    var total: Float = 0
    for id in order {
      kept[id] = probabilities[id]
      total += probabilities[id]
      if total >= p { break }
    }
    return kept.map { $0 / total }
  }

  /// (a, b) → (a·cos − b·sin, b·cos + a·sin) for each pair (i, i + d/2).
  public static func rotate(_ vector: [Float], position: Int) -> [Float]? {
    let half = vector.count / 2
    var out = vector
    for i in 0..<half {
      let theta = powf(10_000, -2 * Float(i) / Float(vector.count))
      let angle = Float(position) * theta
      let (a, b) = (vector[i], vector[i + half])
      out[i] = a * cosf(angle) - b * sinf(angle)
      out[i + half] = b * cosf(angle) + a * sinf(angle)
    }
    return out
  }

  /// Shift by one: the target of position i is token i + 1, kept only inside answers.
  public static func lossMask(
    _ tokens: [Int], isAnswer: [Bool]
  )
    -> (inputs: [Int], targets: [Int])?
  {
    let targets = (1..<tokens.count).map { isAnswer[$0] ? tokens[$0] : -1 }
    return (Array(tokens.dropLast()), targets)
  }
}
