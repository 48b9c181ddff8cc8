import Autograd
import Exercises
import Exercises02
import Solutions
import Testing

@Suite("Chapter 2 exercises: checkers pass solutions and fail wrong answers")
struct Chapter02Exercises {
  @Test func momentum() {
    #expect(Chapter02Checks.momentumStep(Chapter02Solutions.momentumStep).passed)
    #expect(!Chapter02Checks.momentumStep { _, _, _, _, _ in false }.passed)
    // Forgets the velocity: plain SGD.
    #expect(
      !Chapter02Checks.momentumStep { theta, _, g, rate, _ in
        for i in theta.indices { theta[i] -= rate * g[i] }
        return true
      }.passed)
  }

  @Test func maxPool() {
    #expect(Chapter02Checks.maxPool(Chapter02Solutions.maxPool).passed)
    #expect(!Chapter02Checks.maxPool { _ in nil }.passed)
    // Pools the wrong axes (without the permutation).
    #expect(
      !Chapter02Checks.maxPool { x in
        x.reshaped([2, 3, 2, 3, 2, 2]).max(axes: [4, 5])
      }.passed)
  }

  @Test func inverseSquareRoot() {
    #expect(
      Chapter02Checks.inverseSquareRoot(Chapter02Solutions.inverseSquareRoot).passed)
    #expect(!Chapter02Checks.inverseSquareRoot { _, _, _ in nil }.passed)
    #expect(
      !Chapter02Checks.inverseSquareRoot { step, base, warmup in
        base * min(Float(step) / Float(warmup), 1)
      }.passed)
  }

  @Test func layerNormalisation() {
    #expect(
      Chapter02Checks.layerNormalisation(Chapter02Solutions.layerNormalisation).passed)
    #expect(!Chapter02Checks.layerNormalisation { _, _ in nil }.passed)
    // Divides by the standard deviation of the uncentred values.
    #expect(
      !Chapter02Checks.layerNormalisation { x, eps in
        x / ((x * x).mean(axis: -1, keepingDims: true) + eps).sqrt()
      }.passed)
  }
}
