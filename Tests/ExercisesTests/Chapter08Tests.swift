import Exercises08
import Interleaved
import Language
import Solutions
import Testing

/// The solutions pass their checkers, and typical wrong answers do not.
@Suite("Chapter 8 exercises")
struct Chapter08Exercises {
  @Test func documentTokens() {
    #expect(Chapter08Checks.documentTokens(Chapter08Solutions.documentTokens).passed)
    #expect(!Chapter08Checks.documentTokens { _, _, _ in nil }.passed)
    // Forgetting </s>.
    let withoutEnd: ([DocumentItem], Int, SpecialTokens) -> [Int]? = { items, k, s in
      Chapter08Solutions.documentTokens(items, slots: k, special: s).map {
        Array($0.dropLast())
      }
    }
    #expect(!Chapter08Checks.documentTokens(withoutEnd).passed)
  }

  @Test func textTargets() {
    #expect(Chapter08Checks.textTargets(Chapter08Solutions.textTargets).passed)
    #expect(!Chapter08Checks.textTargets { _, _, _ in nil }.passed)
    // Ignoring the caption rule.
    let noCaptions: ([Int], SpecialTokens, Set<Int>) -> [Int]? = { tokens, special, _ in
      Chapter08Solutions.textTargets(tokens, special: special, captionDocuments: [])
    }
    #expect(!Chapter08Checks.textTargets(noCaptions).passed)
    // Training the <img> right after <s>.
    let opening: ([Int], SpecialTokens, Set<Int>) -> [Int]? = { tokens, special, caps in
      var targets = Chapter08Solutions.textTargets(
        tokens, special: special, captionDocuments: caps) ?? []
      for t in tokens.indices.dropLast()
      where tokens[t] == special.beginning && tokens[t + 1] == special.beginImage {
        targets[t] = special.beginImage
      }
      return targets
    }
    #expect(!Chapter08Checks.textTargets(opening).passed)
  }

  @Test func conditionSpan() {
    #expect(Chapter08Checks.conditionSpan(Chapter08Solutions.conditionSpan).passed)
    #expect(!Chapter08Checks.conditionSpan { _, _, _ in nil }.passed)
    // Not reversed.
    let forward: ([Int], SpecialTokens, Int) -> [Int]? = { tokens, special, j in
      Chapter08Solutions.conditionSpan(tokens, special: special, image: j).map {
        Array($0.reversed())
      }
    }
    #expect(!Chapter08Checks.conditionSpan(forward).passed)
    // From the start of the sequence instead of the document's <s>.
    let fromStart: ([Int], SpecialTokens, Int) -> [Int]? = { tokens, special, j in
      let span =
        Chapter08Solutions.conditionSpan(tokens, special: special, image: j) ?? [0]
      return Array((0...span[0]).reversed())
    }
    #expect(!Chapter08Checks.conditionSpan(fromStart).passed)
  }

  @Test func languageModelParameters() {
    #expect(
      Chapter08Checks.languageModelParameters(Chapter08Solutions.languageModelParameters)
        .passed)
    #expect(!Chapter08Checks.languageModelParameters { _ in nil }.passed)
    // A head tied to the embedding (LLaMA's is not).
    let tied: (LanguageModelConfiguration) -> Int? = { c in
      (Chapter08Solutions.languageModelParameters(c) ?? 0) - c.vocabularySize * c.width
    }
    #expect(!Chapter08Checks.languageModelParameters(tied).passed)
  }
}
