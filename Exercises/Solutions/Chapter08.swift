// Solutions to the exercises of Chapter 8.
import Interleaved
import Language

public enum Chapter08Solutions {
  /// `<s>`, each item's tokens, `</s>`.
  public static func documentTokens(
    _ items: [DocumentItem], slots: Int, special: SpecialTokens
  ) -> [Int]? {
    var tokens = [special.beginning]
    for item in items {
      switch item {
      case .text(let ids): tokens += ids
      case .image:
        tokens += [special.beginImage] + [Int](repeating: special.imageSlot, count: slots)
      }
    }
    return tokens + [special.end]
  }

  /// Walks the sequence once, tracking the current document and whether its first
  /// image has begun (its first slot reached).
  public static func textTargets(
    _ tokens: [Int], special: SpecialTokens, captionDocuments: Set<Int>
  ) -> [Int]? {
    var document = -1, imageSeen = false
    var owner: [Int] = [], afterImage: [Bool] = []
    for (t, token) in tokens.enumerated() {
      if token == special.beginning { (document, imageSeen) = (document + 1, false) }
      if token == special.imageSlot && t > 0 && tokens[t - 1] == special.beginImage {
        imageSeen = true
      }
      owner.append(token == special.padding ? -1 : document)
      afterImage.append(imageSeen)
    }
    return tokens.indices.map { t in
      guard t + 1 < tokens.count else { return -1 }
      let next = tokens[t + 1]
      let structural = [special.padding, special.imageSlot, special.beginning]
      if structural.contains(next) { return -1 }
      if next == special.beginImage && tokens[t] == special.beginning { return -1 }
      if captionDocuments.contains(owner[t + 1]) && !afterImage[t + 1] { return -1 }
      return next
    }
  }

  /// Finds image j's `<img>`, walks back to the nearest `<s>`, and lists the positions
  /// from the `<img>` down.
  public static func conditionSpan(
    _ tokens: [Int], special: SpecialTokens, image j: Int
  ) -> [Int]? {
    let opens = tokens.indices.filter { tokens[$0] == special.beginImage }
    guard j < opens.count else { return nil }
    let start = tokens[...opens[j]].lastIndex(of: special.beginning) ?? 0
    return Array((start...opens[j]).reversed())
  }

  /// Embedding and head V·C each; per block two RMSNorms (C each), four C×C
  /// projections and SwiGLU's three C×H matrices; the final RMSNorm.
  public static func languageModelParameters(_ c: LanguageModelConfiguration) -> Int? {
    let block = 2 * c.width + 4 * c.width * c.width + 3 * c.width * c.hiddenWidth
    return 2 * c.vocabularySize * c.width + c.layers * block + c.width
  }
}
