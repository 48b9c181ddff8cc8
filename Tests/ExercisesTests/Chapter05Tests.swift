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

  @Test func bilinearTaps() {
    #expect(Chapter05Checks.bilinearTaps(Chapter05Solutions.bilinearTaps).passed)
    #expect(!Chapter05Checks.bilinearTaps { _, _, _, _ in nil }.passed)
    // align_corners=True's convention (pixel = loc·(size − 1)): a different sampler.
    #expect(
      !Chapter05Checks.bilinearTaps { h, w, x, y in
        Chapter05Solutions.bilinearTaps(
          h, w, (x * Float(w - 1) + 0.5) / Float(w), (y * Float(h - 1) + 0.5) / Float(h))
      }.passed)
    // Clamping to the border instead of zero padding: outside taps read edge pixels.
    #expect(
      !Chapter05Checks.bilinearTaps { h, w, x, y in
        let (px, py) = (x * Float(w) - 0.5, y * Float(h) - 0.5)
        let (x0, y0) = (Int(px.rounded(.down)), Int(py.rounded(.down)))
        let (fx, fy) = (px - Float(x0), py - Float(y0))
        return [
          (y0, x0, (1 - fx) * (1 - fy)), (y0, x0 + 1, fx * (1 - fy)),
          (y0 + 1, x0, (1 - fx) * fy), (y0 + 1, x0 + 1, fx * fy),
        ].map { (min(max($0.0, 0), h - 1), min(max($0.1, 0), w - 1), $0.2) }
      }.passed)
  }

  @Test func imageMask() {
    #expect(Chapter05Checks.imageMask(Chapter05Solutions.imageMask).passed)
    #expect(!Chapter05Checks.imageMask { _, _ in nil }.passed)
    // Forgetting documents: every earlier image is visible.
    #expect(
      !Chapter05Checks.imageMask { documents, images in
        Chapter05Solutions.imageMask(documents.map { _ in false }, images)
      }.passed)
    // Seeing an image only after its first token (< instead of ≤).
    #expect(
      !Chapter05Checks.imageMask { documents, images in
        let mask = Chapter05Solutions.imageMask(documents, images)!
        let n = images.filter { $0 }.count
        let starts = images.indices.filter { images[$0] }
        return mask.enumerated().map { i, seen in seen && starts[i % n] < i / n }
      }.passed)
  }
}
