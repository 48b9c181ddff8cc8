import Autograd
import Testing

@testable import Layers

/// A reader's mistake stops the program with a message naming the operation, what it
/// expected and what it got, in release builds too (`require`, not `precondition`).
/// Each test runs the mistake in a child process and reads what it printed.
@Suite("Layers: misuse gives clear errors")
struct LayersClearErrors {
  @Test func linearNamesItsWidthAndTheInput() async {
    await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      var random = SeededGenerator(seed: 1)
      _ = Linear(3, 4, using: &random)(Tensor.zeros([2, 5]))
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(text.contains("Linear(3 → 4)") && text.contains("[2, 5]"), "\(text)")
    }
  }

  @Test func convolutionNamesTheKernelItExpected() async {
    await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = convolve(Tensor.zeros([1, 3, 8, 8]), Tensor.zeros([4, 2, 3, 3]))
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(
        text.contains("convolve([1, 3, 8, 8], kernel [4, 2, 3, 3])")
          && text.contains("[O, 3, k, k]"), "\(text)")
    }
  }

  @Test func groupNormNamesTheChannels() async {
    await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = GroupNorm(groups: 4, channels: 6)
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(text.contains("GroupNorm") && text.contains("6 channels"), "\(text)")
    }
  }
}
