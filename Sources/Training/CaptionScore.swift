import Foundation

// MARK: book:cider
/// CIDEr-D (Vedantam et al., 2015, with the "D" changes of the COCO evaluation): how
/// well candidate captions agree with their references, by n-grams (n = 1…4) weighted
/// by TF-IDF, so that words every caption has ("a", "at the") count for little and the
/// words that tell captions apart count for much.
///
/// For each n, a sentence becomes a vector over n-grams: count × idf, where
/// idf(g) = log(N / max(1, df(g))), N the number of images and df(g) the number of
/// images whose references contain g. A candidate's score against one reference is,
/// per n, the cosine of the two vectors with each of the candidate's entries clipped at
/// the reference's (repeating a word cannot raise the score), times a Gaussian penalty
/// exp(−δ²/2σ²) on the length difference δ in words (σ = 6); these are averaged over
/// n and over the references and multiplied by 10. The corpus score is the mean over
/// images.
public struct CIDErD {
  public static let maxN = 4, sigma = 6.0

  /// A sentence as the metric sees it: lower-case words, punctuation set apart.
  public static func words(_ sentence: String) -> [String] {
    var spaced = ""
    for character in sentence.lowercased() {
      if character.isPunctuation {
        spaced += " \(character) "
      } else {
        spaced.append(character)
      }
    }
    return spaced.split(separator: " ").map(String.init)
  }

  /// Counts of each n-gram of `words`, n = 1…maxN: [n − 1][gram] = count.
  static func nGrams(_ words: [String]) -> [[String: Double]] {
    (1...maxN).map { n in
      var counts: [String: Double] = [:]
      if words.count >= n {
        for start in 0...(words.count - n) {
          counts[words[start..<(start + n)].joined(separator: " "), default: 0] += 1
        }
      }
      return counts
    }
  }

  /// The score of each candidate against its references (`references[i]` belong to
  /// `candidates[i]`), and their mean.
  public static func scores(candidates: [String], references: [[String]])
    -> (mean: Double, each: [Double])
  {
    precondition(candidates.count == references.count && !candidates.isEmpty)
    let candidateWords = candidates.map(words)
    let referenceWords = references.map { $0.map(words) }
    let candidateGrams = candidateWords.map(nGrams)
    let referenceGrams = referenceWords.map { $0.map(nGrams) }
    // Document frequency: in how many images' references each n-gram occurs.
    var frequency: [String: Double] = [:]
    for grams in referenceGrams {
      var seen = Set<String>()
      for sentence in grams { for level in sentence { seen.formUnion(level.keys) } }
      for gram in seen { frequency[gram, default: 0] += 1 }
    }
    let logImages = log(Double(candidates.count))
    // Each sentence's TF-IDF vectors, one per n, and their lengths.
    func vector(_ grams: [[String: Double]])
      -> (weights: [[String: Double]], norms: [Double])
    {
      let weights = grams.map { level in
        Dictionary(uniqueKeysWithValues: level.map { gram, count in
          (gram, count * (logImages - log(max(1, frequency[gram] ?? 0))))
        })
      }
      let norms = weights.map { $0.values.reduce(0) { $0 + $1 * $1 }.squareRoot() }
      return (weights, norms)
    }
    let each = candidates.indices.map { i -> Double in
      let candidate = vector(candidateGrams[i])
      var total = 0.0
      for (r, grams) in referenceGrams[i].enumerated() {
        let reference = vector(grams)
        let delta = Double(candidateWords[i].count - referenceWords[i][r].count)
        let penalty = exp(-delta * delta / (2 * sigma * sigma))
        var sum = 0.0
        for n in 0..<maxN {
          var dot = 0.0
          for (gram, weight) in candidate.weights[n] {
            let theirs = reference.weights[n][gram] ?? 0
            dot += min(weight, theirs) * theirs
          }
          let norms = candidate.norms[n] * reference.norms[n]
          sum += (norms > 0 ? dot / norms : 0) * penalty
        }
        total += sum / Double(maxN)
      }
      return 10 * total / Double(max(1, referenceGrams[i].count))
    }
    return (each.reduce(0, +) / Double(each.count), each)
  }
}
// MARK: end
