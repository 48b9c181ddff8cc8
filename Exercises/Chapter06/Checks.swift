import Autograd
import Exercises
import Language

/// Checkers for the exercises of Chapter 6.
public enum Chapter06Checks {
  /// Random words of small ids with counts, for exercise 1.
  static func randomWords(
    using generator: inout SeededGenerator
  ) -> [(ids: [Int], count: Int)] {
    (0..<(1 + generator.nextInt(below: 6))).map { _ in
      (
        (0..<(1 + generator.nextInt(below: 6))).map { _ in generator.nextInt(below: 4) },
        1 + generator.nextInt(below: 5)
      )
    }
  }

  /// The library's choice, the merge `BPETokenizer.train` would make next.
  static func expectedMerge(_ words: [(ids: [Int], count: Int)]) -> [Int] {
    BPETokenizer.mostFrequentPair(in: words).map { [$0.pair.first, $0.pair.second] } ?? []
  }

  /// Exercise 1: the next BPE merge.
  public static func nextMerge(
    _ merge: ([(ids: [Int], count: Int)]) -> [Int]?
  )
    -> ExerciseResult
  {
    guard merge([([1, 2], 1)]) != nil else { return .notAttempted("Exercise 1") }
    var findings = Findings()
    findings.expect(
      merge([([1, 2, 1, 2], 1), ([2, 1], 3)]) == [2, 1],
      "counts are weighted by how often a word occurs: (2, 1) occurs 4 times")
    findings.expect(
      merge([([3, 4], 2), ([1, 2], 2)]) == [1, 2], "a tie goes to the smaller pair")
    findings.expect(merge([([5], 9)]) == [], "no pair in one-id words")
    // Against the library's training on one merge.
    var generator = SeededGenerator(seed: 61)
    var wrong = 0
    for _ in 0..<200 {
      let words = randomWords(using: &generator)
      if merge(words) != expectedMerge(words) { wrong += 1 }
    }
    findings.expect(wrong == 0, "200 random vocabularies (\(wrong) differ)")
    // The tokenizer's own first merge on a text.
    let tokenizer = BPETokenizer.train(on: ["aab aab ab"], vocabularySize: 262)
    let text = [([97, 97, 98], 2), ([32, 97, 98], 1)].map { (ids: $0.0, count: $0.1) }
    let first = tokenizer.merges.first.map { [$0.first, $0.second] } ?? []
    findings.expect(merge(text) == first, "agrees with BPETokenizer.train: \(first)")
    return findings.result
  }

  /// Exercise 2: nucleus filtering.
  public static func nucleus(_ filter: ([Float], Float) -> [Float]?) -> ExerciseResult {
    guard filter([1], 0.5) != nil else { return .notAttempted("Exercise 2") }
    var findings = Findings()
    let kept = filter([0.1, 0.5, 0.15, 0.25], 0.7) ?? []
    findings.expect(
      kept.count == 4 && abs(kept[1] - 0.5 / 0.75) < 1e-6
        && abs(kept[3] - 0.25 / 0.75) < 1e-6
        && kept[0] == 0 && kept[2] == 0,
      "p = 0.7 of [0.1, 0.5, 0.15, 0.25] keeps 0.5 and 0.25, renormalised")
    findings.expect(filter([0.2, 0.8], 1) == [0.2, 0.8], "p = 1 keeps everything")
    var generator = SeededGenerator(seed: 62)
    var worst: Float = 0
    for _ in 0..<200 {
      let logits = (0..<(2 + generator.nextInt(below: 8))).map { _ in
        generator.uniform(-3, 3)
      }
      let p = generator.uniform(0.05, 1)
      let plain = Sampler().probabilities(logits)
      let expected = Sampler(topP: p).probabilities(logits)
      let found = filter(plain, p) ?? []
      worst =
        found.count == expected.count
        ? max(worst, zip(found, expected).map { abs($0 - $1) }.max()!) : .infinity
    }
    findings.expect(
      worst < 1e-5, "200 random distributions match Sampler (error \(worst))")
    return findings.result
  }

  /// Exercise 3: RoPE with loops.
  public static func rotate(_ rotate: ([Float], Int) -> [Float]?) -> ExerciseResult {
    guard rotate([1, 0], 0) != nil else { return .notAttempted("Exercise 3") }
    var findings = Findings()
    findings.expect(rotate([1, 2, 3, 4], 0) == [1, 2, 3, 4], "position 0 turns nothing")
    var generator = SeededGenerator(seed: 63)
    var worst: Float = 0
    for _ in 0..<50 {
      let d = 2 * (1 + generator.nextInt(below: 8))
      let position = generator.nextInt(below: 300)
      let x = Tensor.normal([1, 1, 1, d], using: &generator)
      let expected = RotaryEmbedding(headWidth: d)(
        x.reshaped([1, 1, 1, d]), start: position)
      let found = rotate(x.data, position) ?? []
      worst =
        found.count == d
        ? max(worst, zip(found, expected.data).map { abs($0 - $1) }.max()!) : .infinity
    }
    findings.expect(
      worst < 1e-3, "50 random vectors match RotaryEmbedding (error \(worst))")
    return findings.result
  }

  /// Exercise 4: the loss mask of a conversation.
  public static func lossMask(
    _ mask: ([Int], [Bool]) -> (inputs: [Int], targets: [Int])?
  )
    -> ExerciseResult
  {
    guard mask([1, 2], [false, true]) != nil else { return .notAttempted("Exercise 4") }
    var findings = Findings()
    let tokenizer = BPETokenizer()
    let conversation = Conversation(
      system: "S", turns: [(user: "q?", assistant: "a"), (user: "r?", assistant: "bc")])
    let (ids, isAnswer) = conversation.tokens(tokenizer)
    let expected = conversation.trainingExample(tokenizer)
    let found = mask(ids, isAnswer)
    findings.expect(found?.inputs == expected.inputs, "inputs: every token but the last")
    findings.expect(
      found?.targets == expected.targets,
      "targets: the next token inside answers (with their </s>), −1 elsewhere")
    return findings.result
  }
}
