import Autograd
import Platform

// MARK: book:sampler
/// How the next token is chosen from the model's logits.
///
/// In order: the repetition penalty (CTRL, Keskar et al., 2019: a token already in the
/// text has a positive logit divided by the penalty, a negative one multiplied); then
/// temperature; then top-k keeps the k most likely tokens; then top-p (nucleus, Holtzman
/// et al., 2020) keeps the smallest set whose probability reaches p. Temperature 0 is
/// greedy decoding.
public struct Sampler: Sendable {
  public var temperature: Float
  public var topK: Int?
  public var topP: Float?
  public var repetitionPenalty: Float

  public init(
    temperature: Float = 1, topK: Int? = nil, topP: Float? = nil,
    repetitionPenalty: Float = 1
  ) {
    require(temperature >= 0, "Sampler", "temperature must be ≥ 0, got \(temperature)")
    require(
      topK.map { $0 >= 1 } ?? true, "Sampler", "top-k must be ≥ 1, got \(topK ?? 0)")
    require(
      topP.map { $0 > 0 && $0 <= 1 } ?? true, "Sampler",
      "top-p must be in (0, 1], got \(topP ?? 0)")
    require(
      repetitionPenalty > 0, "Sampler",
      "repetition penalty must be > 0, got \(repetitionPenalty)")
    (self.temperature, self.topK, self.topP) = (temperature, topK, topP)
    self.repetitionPenalty = repetitionPenalty
  }

  public static let greedy = Sampler(temperature: 0)

  // MARK: end
  // MARK: book:sampler-probabilities
  /// The probabilities the sampler draws from, given the logits of the next token and
  /// the tokens so far. (Greedy: all mass on the best token.)
  public func probabilities(_ logits: [Float], previous: [Int] = []) -> [Float] {
    var scores = logits
    if repetitionPenalty != 1 {
      for id in Set(previous) where id < scores.count {
        scores[id] =
          scores[id] > 0
          ? scores[id] / repetitionPenalty : scores[id] * repetitionPenalty
      }
    }
    let best = scores.indices.max { scores[$0] < scores[$1] }!
    if temperature == 0 {
      return scores.indices.map { $0 == best ? 1 : 0 }
    }
    let largest = scores[best]
    var weights = scores.map { expf(($0 - largest) / temperature) }
    if topK != nil || topP != nil {
      // Token ids from most to least likely (ties: smaller id first).
      let order = weights.indices.sorted {
        weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1
      }
      var keep = order.count
      if let topK { keep = min(keep, topK) }
      if let topP {
        let total = weights.reduce(0, +)
        var mass: Float = 0
        for (rank, id) in order.prefix(keep).enumerated() {
          mass += weights[id] / total
          if mass >= topP {
            keep = rank + 1
            break
          }
        }
      }
      for id in order.dropFirst(keep) { weights[id] = 0 }
    }
    let total = weights.reduce(0, +)
    return weights.map { $0 / total }
  }

  // MARK: end
  // MARK: book:sampler-next
  /// Draws the next token.
  public func next(
    _ logits: [Float], previous: [Int] = [], using generator: inout SeededGenerator
  ) -> Int {
    let p = probabilities(logits, previous: previous)
    var u = generator.nextUniform()
    for (id, probability) in p.enumerated() where probability > 0 {
      if u < probability { return id }
      u -= probability
    }
    return p.lastIndex { $0 > 0 }!
  }
}
// MARK: end

extension LanguageModel {
  // MARK: book:generate
  /// Continues `prompt` by up to `maxNewTokens` tokens, stopping after a stop token.
  /// With `cached` (the default) each step feeds only the newest token and reuses the
  /// keys and values of the ones before; without, it recomputes the whole text each step.
  public func generate(
    _ prompt: [Int], maxNewTokens: Int, sampler: Sampler, stopTokens: Set<Int> = [],
    cached: Bool = true, using generator: inout SeededGenerator
  ) -> [Int] {
    require(!prompt.isEmpty, "generate", "the prompt needs at least one token")
    return withoutGradient {
      var text = prompt, new: [Int] = []
      let cache = cached ? KeyValueCache(layers: blocks.count) : nil
      var pending = prompt  // tokens the model has not read yet
      while new.count < maxNewTokens {
        let logits = self(cached ? pending : text, cache: cache)  // [1, T, V]
        let v = logits.shape[2]
        let last = Array(logits.data[(logits.count - v)...])
        let token = sampler.next(last, previous: text, using: &generator)
        text.append(token)
        new.append(token)
        pending = [token]
        if stopTokens.contains(token) { break }
      }
      return new
    }
  }
  // MARK: end
}
