import Autograd
import Datasets
import Exercises03
import Solutions
import Testing

@Suite("Chapter 3 exercises: checkers pass solutions and fail wrong answers")
struct Chapter03Exercises {
  @Test func patchify() {
    #expect(Chapter03Checks.patchify(Chapter03Solutions.patchify).passed)
    #expect(!Chapter03Checks.patchify { _, _ in nil }.passed)
    // Without the permutation the values are in the wrong places.
    #expect(
      !Chapter03Checks.patchify { x, p in
        x.reshaped([x.shape[0], (x.shape[2] / p) * (x.shape[3] / p), -1])
      }.passed)
  }

  @Test func contrastiveLoss() {
    #expect(Chapter03Checks.contrastiveLoss(Chapter03Solutions.contrastiveLoss).passed)
    #expect(!Chapter03Checks.contrastiveLoss { _, _ in nil }.passed)
    // Only one direction.
    #expect(
      !Chapter03Checks.contrastiveLoss { s, scale in
        crossEntropy(s * scale, targets: Array(0..<s.shape[0]))
      }.passed)
  }

  @Test func objectCountQuestion() {
    #expect(
      Chapter03Checks.objectCountQuestion(Chapter03Solutions.objectCountQuestion).passed)
    #expect(!Chapter03Checks.objectCountQuestion { _ in nil }.passed)
    #expect(
      !Chapter03Checks.objectCountQuestion { _ in
        ("how many objects are there?", "two")
      }.passed)
  }
}
