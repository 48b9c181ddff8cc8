import Foundation
import Testing
import Training

/// CIDEr-D on examples worked by hand (two images, one reference each, so an n-gram
/// found in both references has idf log(2/2) = 0 and any other log 2).
@Suite("CIDEr-D")
struct CaptionScoreTests {
  @Test func anExactCaptionScoresItsShareOfNGramLevels() {
    // "a" weighs nothing; 1-, 2- and 3-gram cosines are 1, a 3-word caption has no
    // 4-grams: 10 · 3/4. The second: 1-grams {blue} shared of {blue, circle} vs
    // {blue, square}: 1/2; 2-grams likewise 1/2; 3-grams 0: 10 · 1/4.
    let result = CIDErD.scores(
      candidates: ["a red circle", "a blue circle"],
      references: [["a red circle"], ["a blue square"]])
    #expect(abs(result.each[0] - 7.5) < 1e-12)
    #expect(abs(result.each[1] - 2.5) < 1e-12)
    #expect(abs(result.mean - 5) < 1e-12)
  }

  @Test func repeatingAWordCannotRaiseTheScore() {
    // "red red" against "red circle": 1-gram vectors (2, 0) and (1, 1) times log 2;
    // clipped at the reference's weight the dot product is 1 · 1, over norms 2 · √2.
    let result = CIDErD.scores(
      candidates: ["red red", "blue square"],
      references: [["red circle"], ["blue square"]])
    #expect(abs(result.each[0] - 10 * (1 / (2 * 2.0.squareRoot())) / 4) < 1e-12)
  }

  @Test func aLengthDifferencePaysAGaussianPenalty() {
    // Five words more (all with idf log 2): 1-gram cosine 2/(√7·√2), 2-gram 1/√6, no
    // 3- or 4-grams in the reference; times exp(−5²/(2·6²)).
    let longer = CIDErD.scores(
      candidates: ["red circle at the top left corner", "blue square"],
      references: [["red circle"], ["blue square"]])
    let cosines = 2 / (7.0.squareRoot() * 2.0.squareRoot()) + 1 / 6.0.squareRoot()
    #expect(abs(longer.each[0] - 10 * cosines / 4 * exp(-25.0 / 72)) < 1e-12)
    #expect(CIDErD.words("A red, circle.") == ["a", "red", ",", "circle", "."])
  }
}
