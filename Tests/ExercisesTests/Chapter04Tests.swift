import Autograd
import Exercises04
import Solutions
import Testing

@Suite("Chapter 4 exercises: checkers pass solutions and fail wrong answers")
struct Chapter04Exercises {
  @Test func parameterCount() {
    #expect(Chapter04Checks.parameterCount(Chapter04Solutions.parameterCount).passed)
    #expect(!Chapter04Checks.parameterCount { _, _, _ in nil }.passed)
    // Forgets the biases.
    #expect(
      !Chapter04Checks.parameterCount { k, c, layers in
        k * c + layers * (6 * c + 4 * c * c + 8 * c * c) + 2 * c
      }.passed)
  }

  @Test func averagedTokens() {
    #expect(Chapter04Checks.averagedTokens(Chapter04Solutions.averagedTokens).passed)
    #expect(!Chapter04Checks.averagedTokens { _, _ in nil }.passed)
    // Takes every second token instead of averaging groups.
    #expect(
      !Chapter04Checks.averagedTokens { x, k in
        x.reshaped([x.shape[0], x.shape[1] / k, k, x.shape[2]]).mean(axis: 1)
      }.passed)
  }
}
