import Autograd
import Exercises05
import Solutions
import Testing

@Suite("Chapter 5 exercises: checkers pass solutions and fail wrong answers")
struct Chapter05Exercises {
  @Test func recency() {
    #expect(Chapter05Checks.recency(Chapter05Solutions.recency).passed)
    #expect(!Chapter05Checks.recency { _ in nil }.passed)
    // Counts from the left: the oldest image gets 1.
    #expect(
      !Chapter05Checks.recency { row in
        var rank = 0
        return row.map { seen in
          if seen { rank += 1 }
          return seen ? rank : 0
        }
      }.passed)
  }

  @Test func softmaxWithNullSlot() {
    #expect(
      Chapter05Checks.softmaxWithNullSlot(Chapter05Solutions.softmaxWithNullSlot).passed)
    #expect(!Chapter05Checks.softmaxWithNullSlot { _ in nil }.passed)
    // Plain softmax: no null slot.
    #expect(!Chapter05Checks.softmaxWithNullSlot { $0.softmax() }.passed)
    // Literal formula: overflows near 1000.
    #expect(
      !Chapter05Checks.softmaxWithNullSlot { x in
        x.exp() / (x.exp().sum(axis: -1, keepingDims: true) + 1)
      }.passed)
  }
}
