import Autograd
import Exercises
import Interleaved
import Language

/// Checkers for the exercises of Chapter 8. Each compares the reader's answer with the
/// library's `PackedSequence` (or a built model) on a hand-made case and random ones.
public enum Chapter08Checks {
  /// Structural ids 0–4, text ids from 5 on.
  static let special = SpecialTokens(
    padding: 0, beginning: 1, end: 2, beginImage: 3, imageSlot: 4)

  /// Random documents of text (ids 5–29) and images, some of them caption data.
  static func randomDocuments(using g: inout SeededGenerator) -> [SequenceDocument] {
    (0..<(1 + g.nextInt(below: 3))).map { _ in
      let items: [DocumentItem] = (0..<(1 + g.nextInt(below: 4))).map { _ in
        guard g.nextInt(below: 2) == 1 else { return .image }
        let length = 1 + g.nextInt(below: 3)
        return .text((0..<length).map { _ in 5 + g.nextInt(below: 25) })
      }
      return SequenceDocument(items, trainsTextBeforeFirstImage: g.nextInt(below: 3) > 0)
    }
  }

  /// A random packed sequence with its caption documents.
  static func randomSequence(
    using g: inout SeededGenerator
  ) -> (sequence: PackedSequence, captions: Set<Int>) {
    let documents = randomDocuments(using: &g)
    let slots = 1 + g.nextInt(below: 3)
    let length = documents.reduce(0) { total, document in
      total + 2 + document.items.reduce(0) { sum, item in
        if case .text(let ids) = item { return sum + ids.count }
        return sum + 1 + slots
      }
    } + g.nextInt(below: 4)
    let sequence = try! PackedSequence.pack(
      documents, slotsPerImage: slots, length: length, special: special)
    let captions = Set(
      documents.indices.filter { !documents[$0].trainsTextBeforeFirstImage })
    return (sequence, captions)
  }

  /// Exercise 1: one document laid out as tokens.
  public static func documentTokens(
    _ tokens: (_ items: [DocumentItem], _ slots: Int, _ special: SpecialTokens) -> [Int]?
  ) -> ExerciseResult {
    guard tokens([.image], 1, special) != nil else { return .notAttempted("Exercise 1") }
    var findings = Findings()
    let hand = tokens([.text([7, 8]), .image, .text([9])], 2, special) ?? []
    findings.expect(
      hand == [1, 7, 8, 3, 4, 4, 9, 2],
      "text 7 8, an image with 2 slots, text 9: <s> 7 8 <img> <image> <image> 9 </s>"
        + " = [1, 7, 8, 3, 4, 4, 9, 2] (got \(hand))")
    var g = SeededGenerator(seed: 81)
    var wrong = 0
    for _ in 0..<100 {
      let document = randomDocuments(using: &g)[0]
      let slots = 1 + g.nextInt(below: 4)
      let expected = try! PackedSequence.pack(
        [document], slotsPerImage: slots, length: 64, special: special)
      let answer = tokens(document.items, slots, special) ?? []
      if answer != Array(expected.tokens.prefix { $0 != special.padding }) { wrong += 1 }
    }
    findings.expect(wrong == 0, "100 random documents (\(wrong) differ)")
    return findings.result
  }

  /// Exercise 2: the text loss's targets.
  public static func textTargets(
    _ targets: (_ tokens: [Int], _ special: SpecialTokens, _ captions: Set<Int>) -> [Int]?
  ) -> ExerciseResult {
    guard targets([1, 2], special, []) != nil else { return .notAttempted("Exercise 2") }
    var findings = Findings()
    // <s> 7 <img> <image> 8 </s> | <s> <img> <image> 9 </s> <pad>, the second a caption.
    let tokens = [1, 7, 3, 4, 8, 2, 1, 3, 4, 9, 2, 0]
    let hand = targets(tokens, special, [1]) ?? []
    let expected = [7, 3, -1, 8, 2, -1, -1, -1, 9, 2, -1, -1]
    findings.expect(
      hand == expected,
      "two documents, the second caption data opening with its image: \(expected)"
        + " (got \(hand))")
    let asText = targets(tokens, special, []) ?? []
    findings.expect(
      asText == expected,
      "the same when the second is not caption data: its <img> follows <s>, and "
        + "nothing else comes before its image (got \(asText))")
    let caption = targets([1, 7, 3, 4, 8, 2], special, [0]) ?? []
    findings.expect(
      caption == [-1, -1, -1, 8, 2, -1],
      "a caption before its image is no target: [-1, -1, -1, 8, 2, -1] (got \(caption))")
    var g = SeededGenerator(seed: 82)
    var wrong = 0
    for _ in 0..<200 {
      let (sequence, captions) = randomSequence(using: &g)
      if targets(sequence.tokens, special, captions) != sequence.textTargets() {
        wrong += 1
      }
    }
    findings.expect(wrong == 0, "200 random packed sequences (\(wrong) differ)")
    return findings.result
  }

  /// Exercise 3: an image's reversed condition span.
  public static func conditionSpan(
    _ span: (_ tokens: [Int], _ special: SpecialTokens, _ image: Int) -> [Int]?
  ) -> ExerciseResult {
    guard span([1, 3, 4, 2], special, 0) != nil else {
      return .notAttempted("Exercise 3")
    }
    var findings = Findings()
    // <s> 7 <img> <image> 8 </s> <s> 9 <img> <image> </s>
    let tokens = [1, 7, 3, 4, 8, 2, 1, 9, 3, 4, 2]
    let second = span(tokens, special, 1) ?? []
    findings.expect(
      second == [8, 7, 6],
      "the second image: its <img> (8), then 9 (7) and its document's <s> (6);"
        + " not the first document (got \(second))")
    let first = span(tokens, special, 0) ?? []
    findings.expect(first == [2, 1, 0], "the first image: [2, 1, 0] (got \(first))")
    var g = SeededGenerator(seed: 83)
    var wrong = 0, cases = 0
    for _ in 0..<200 {
      let (sequence, _) = randomSequence(using: &g)
      for j in 0..<sequence.imageCount {
        cases += 1
        if span(sequence.tokens, special, j) != sequence.conditionSpan(ofImage: j) {
          wrong += 1
        }
      }
    }
    findings.expect(wrong == 0, "\(cases) images of random sequences (\(wrong) differ)")
    return findings.result
  }

  /// Exercise 4: the language model's parameter count from its configuration.
  public static func languageModelParameters(
    _ count: (LanguageModelConfiguration) -> Int?
  ) -> ExerciseResult {
    var tiny = LanguageModelConfiguration(vocabularySize: 10)
    (tiny.width, tiny.layers, tiny.heads, tiny.hiddenWidth) = (4, 1, 1, 8)
    guard let first = count(tiny) else { return .notAttempted("Exercise 4") }
    var findings = Findings()
    // Embedding 40, head 40, final norm 4; the block: two norms 8, attention 64,
    // SwiGLU 3·4·8 = 96.
    findings.expect(
      first == 252,
      "vocabulary 10, width 4, one layer, hidden 8: 40 + 40 + 4 + 8 + 64 + 96 = 252"
        + " (got \(first))")
    var g = SeededGenerator(seed: 84)
    var wrong: [String] = []
    for (vocabulary, width, layers, hidden) in [(12, 8, 2, 16), (487, 128, 4, 352),
                                                 (30, 16, 3, 40)] {
      var c = LanguageModelConfiguration(vocabularySize: vocabulary)
      (c.width, c.layers, c.heads, c.hiddenWidth) = (width, layers, 2, hidden)
      let built = LanguageModel(c, using: &g).parameterCount
      if count(c) != built { wrong.append("V \(vocabulary), C \(width): \(built)") }
    }
    findings.expect(
      wrong.isEmpty,
      "three built models, MMI-Tiny's among them"
        + (wrong.isEmpty ? "" : " (differ: \(wrong.joined(separator: "; ")))"))
    return findings.result
  }
}
