import Exercises06
import Solutions
import Testing

@Suite("Chapter 6 exercises: checkers pass solutions and fail wrong answers")
struct Chapter06Exercises {
  @Test func nextMerge() {
    #expect(Chapter06Checks.nextMerge(Chapter06Solutions.nextMerge).passed)
    #expect(!Chapter06Checks.nextMerge { _ in nil }.passed)
    // Forgetting the word counts: every word counted once.
    #expect(
      !Chapter06Checks.nextMerge { words in
        Chapter06Solutions.nextMerge(words.map { (ids: $0.ids, count: 1) })
      }.passed)
    // Ties to the larger pair.
    func tiesToTheLarger(_ words: [(ids: [Int], count: Int)]) -> [Int]? {
      var counts: [[Int]: Int] = [:]
      for (ids, count) in words where ids.count > 1 {
        for i in 0..<(ids.count - 1) { counts[[ids[i], ids[i + 1]], default: 0] += count }
      }
      let best = counts.max { a, b in
        a.value != b.value ? a.value < b.value : a.key.lexicographicallyPrecedes(b.key)
      }
      return best?.key ?? []
    }
    #expect(!Chapter06Checks.nextMerge(tiesToTheLarger).passed)
  }

  @Test func nucleus() {
    #expect(Chapter06Checks.nucleus(Chapter06Solutions.nucleus).passed)
    #expect(!Chapter06Checks.nucleus { _, _ in nil }.passed)
    // Not renormalised.
    #expect(
      !Chapter06Checks.nucleus { probabilities, p in
        let kept = Chapter06Solutions.nucleus(probabilities, p: p)!
        return zip(kept, probabilities).map { $0 > 0 ? $1 : 0 }
      }.passed)
    // Stopping one token early (total strictly below p).
    #expect(
      !Chapter06Checks.nucleus { probabilities, p in
        Chapter06Solutions.nucleus(probabilities, p: p * 0.9)
      }.passed)
  }

  @Test func rotate() {
    #expect(Chapter06Checks.rotate(Chapter06Solutions.rotate).passed)
    #expect(!Chapter06Checks.rotate { _, _ in nil }.passed)
    // Pairing neighbours (2i, 2i + 1), the other common convention.
    #expect(
      !Chapter06Checks.rotate { vector, position in
        let half = vector.count / 2
        let split =
          (0..<half).flatMap { [vector[2 * $0]] }
          + (0..<half).map {
            vector[2 * $0 + 1]
          }
        let turned = Chapter06Solutions.rotate(split, position: position)!
        return (0..<half).flatMap { [turned[$0], turned[$0 + half]] }
      }.passed)
    // Turning the wrong way.
    #expect(
      !Chapter06Checks.rotate { vector, position in
        Chapter06Solutions.rotate(vector, position: -position)
      }.passed)
  }

  @Test func lossMask() {
    #expect(Chapter06Checks.lossMask(Chapter06Solutions.lossMask).passed)
    #expect(!Chapter06Checks.lossMask { _, _ in nil }.passed)
    // Masking by the input's flag instead of the target's (off by one).
    #expect(
      !Chapter06Checks.lossMask { tokens, isAnswer in
        (
          Array(tokens.dropLast()),
          (1..<tokens.count).map { isAnswer[$0 - 1] ? tokens[$0] : -1 }
        )
      }.passed)
  }
}
