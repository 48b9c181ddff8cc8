// Solutions to the exercises of Chapter 9.
import Foundation

public enum Chapter09Solutions {
  /// Overlap of the two boxes (empty if a corner passes the other), over the union.
  public static func boxOverlap(_ a: (Int, Int, Int, Int), _ b: (Int, Int, Int, Int))
    -> Double?
  {
    let area = { (x1: Int, y1: Int, x2: Int, y2: Int) in
      max(0, x2 - x1 + 1) * max(0, y2 - y1 + 1)
    }
    let shared = area(max(a.0, b.0), max(a.1, b.1), min(a.2, b.2), min(a.3, b.3))
    let union = area(a.0, a.1, a.2, a.3) + area(b.0, b.1, b.2, b.3) - shared
    return union == 0 ? 0 : Double(shared) / Double(union)
  }

  /// Finds the cycle the step is in, then warm-up or cosine within it.
  public static func restartedRate(
    step: Int, base: Float, minimum: Float, warmup: Int, total: Int, restarts: [Int]
  ) -> Float? {
    let start = restarts.last { $0 <= step } ?? 0
    let end = restarts.first { $0 > step } ?? total
    let (inCycle, cycle) = (step - start, end - start)
    if inCycle < warmup { return base * Float(inCycle + 1) / Float(warmup) }
    guard cycle > warmup else { return base }
    let progress = min(Float(inCycle - warmup) / Float(cycle - warmup), 1)
    return minimum + (base - minimum) * 0.5 * (1 + cos(Float.pi * progress))
  }
}
