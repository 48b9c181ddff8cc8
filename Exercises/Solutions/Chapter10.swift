// Solutions to the exercises of Chapter 10.

public enum Chapter10Solutions {
  /// Counts the agreeing humans once; leaving one out removes them from the count only
  /// if they agreed.
  public static func vqaAccuracy(_ answer: String, _ humans: [String]) -> Double? {
    let agreeing = humans.filter { $0 == answer }.count
    let scores = humans.map { human in
      min(1, Double(agreeing - (human == answer ? 1 : 0)) / 3)
    }
    return scores.reduce(0, +) / Double(scores.count)
  }

  /// Sums each class's intersection and union over all the maps, then averages the
  /// ratios over the classes that occur.
  public static func meanIoU(
    _ predicted: [[Int]], _ truth: [[Int]], _ classes: Int
  )
    -> Double?
  {
    var both = [Int](repeating: 0, count: classes)
    var either = [Int](repeating: 0, count: classes)
    for (p, t) in zip(predicted, truth) {
      for (a, b) in zip(p, t) {
        either[a] += 1
        if a == b { both[a] += 1 } else { either[b] += 1 }
      }
    }
    let present = (0..<classes).filter { either[$0] > 0 }
    return present.reduce(0) { $0 + Double(both[$1]) / Double(either[$1]) }
      / Double(present.count)
  }
}
