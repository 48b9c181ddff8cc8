import Autograd
import Testing

@testable import Synchronizer

/// Misuse of the Synchronizer's pieces stops with a message that says what was expected
/// and what was given, in release builds too.
@Suite("Synchronizer: misuse gives clear errors")
struct SynchronizerClearErrors {
  @Test func bilinearSampleNamesBothShapes() async {
    await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = bilinearSample(Tensor.zeros([2, 4, 4, 3]), at: Tensor.zeros([2, 5, 3]))
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(
        text.contains("bilinearSample([2, 4, 4, 3], at: [2, 5, 3])")
          && text.contains("[G, Q, 2]"), "\(text)")
    }
  }

  @Test func synchronizerNamesTheMapsItWasGiven() async {
    await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      var random = SeededGenerator(seed: 1)
      let configuration = SynchronizerConfiguration()
      let mmfs = MultiModalFeatureSynchronizer(configuration, using: &random)
      let maps = [16, 8, 4].map { Tensor.zeros([1, 2, 32, $0, $0]) }  // 32, not 64
      _ = mmfs(
        Tensor.zeros([1, 3, 128]), reference: Tensor.full([1, 3, 2], 0.5), maps: maps,
        visible: [Bool](repeating: true, count: 6))
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(
        text.contains("MMFS") && text.contains("[1, N, 64, H, W]")
          && text.contains("[1, 2, 32, 16, 16]"), "\(text)")
    }
  }

  @Test func synchronizerSaysHowToSeeMoreImages() async {
    await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      var random = SeededGenerator(seed: 1)
      var configuration = SynchronizerConfiguration()
      configuration.maxImages = 2
      let mmfs = MultiModalFeatureSynchronizer(configuration, using: &random)
      let maps = [16, 8, 4].map { Tensor.zeros([1, 3, 64, $0, $0]) }
      _ = mmfs(
        Tensor.zeros([1, 1, 128]), reference: Tensor.full([1, 1, 2], 0.5), maps: maps,
        visible: [true, true, true])
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(text.contains("sees 3 images") && text.contains("maxImages"), "\(text)")
    }
  }
}
