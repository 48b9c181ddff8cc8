import Exercises09
import Solutions
import Testing

/// The solutions pass their checkers, and typical wrong answers do not.
@Suite("Chapter 9 exercises")
struct Chapter09Exercises {
  @Test func boxOverlap() {
    #expect(Chapter09Checks.boxOverlap(Chapter09Solutions.boxOverlap).passed)
    #expect(!Chapter09Checks.boxOverlap { _, _ in nil }.passed)
    // Corners taken as exclusive: (x2 − x1)(y2 − y1) cells.
    let exclusive: ((Int, Int, Int, Int), (Int, Int, Int, Int)) -> Double? = { a, b in
      Chapter09Solutions.boxOverlap(
        (a.0, a.1, a.2 - 1, a.3 - 1), (b.0, b.1, b.2 - 1, b.3 - 1))
    }
    #expect(!Chapter09Checks.boxOverlap(exclusive).passed)
  }

  @Test func restartedRate() {
    #expect(Chapter09Checks.restartedRate {
      Chapter09Solutions.restartedRate(
        step: $0, base: $1, minimum: $2, warmup: $3, total: $4, restarts: $5)
    }.passed)
    #expect(!Chapter09Checks.restartedRate { _, _, _, _, _, _ in nil }.passed)
    // Forgetting the restarts: one cycle over the whole run.
    #expect(!Chapter09Checks.restartedRate { step, base, minimum, warmup, total, _ in
      Chapter09Solutions.restartedRate(
        step: step, base: base, minimum: minimum, warmup: warmup, total: total,
        restarts: [])
    }.passed)
  }
}
