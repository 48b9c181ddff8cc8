import Autograd
import Testing

@testable import Language

/// Misuse of the language model's pieces stops with a message that says what was
/// expected and what was given, in release builds too.
@Suite("Language: misuse gives clear errors")
struct LanguageClearErrors {
  @Test func samplerNamesTheBadOption() async {
    await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Sampler(temperature: 1, topP: 1.5)
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(text.contains("Sampler") && text.contains("(0, 1], got 1.5"), "\(text)")
    }
  }

  @Test func rotaryEmbeddingNeedsAnEvenWidth() async {
    await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = RotaryEmbedding(headWidth: 7)
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(text.contains("RoPE") && text.contains("7 must be even"), "\(text)")
    }
  }
}
