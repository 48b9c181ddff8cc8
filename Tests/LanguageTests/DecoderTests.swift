import Autograd
import Layers
import TestSupport
import Testing

@testable import Language

func tinyModel(seed: UInt64 = 1) -> LanguageModel {
  var configuration = LanguageModelConfiguration(vocabularySize: 11)
  (configuration.width, configuration.layers, configuration.heads) = (8, 2, 2)
  configuration.hiddenWidth = 12
  var g = SeededGenerator(seed: seed)
  return LanguageModel(configuration, using: &g)
}

@Suite("Gradient checks: language model")
struct LanguageGradients {
  @Test func rotaryEmbedding() {
    var g = SeededGenerator(seed: 1)
    let x = Tensor.normal([2, 2, 3, 6], using: &g, requiresGrad: true)
    let rope = RotaryEmbedding(headWidth: 6)
    #expect(checkGradients(at: [x], using: &g) { rope($0[0], start: 5) }.passed)
  }

  @Test func wrongRotaryGradientIsCaught() {
    // The backward of a rotation turns back; turning the same way again is wrong.
    var g = SeededGenerator(seed: 1)
    let x = Tensor.normal([1, 1, 3, 4], using: &g, requiresGrad: true)
    let rope = RotaryEmbedding(headWidth: 4)
    let (cosines, sines) = rope.tables(length: 3, start: 1)
    func wrongRotation(_ input: Tensor) -> Tensor {
      let y = rope(input, start: 1)
      return Tensor(shape: y.shape, data: y.data, inputs: [input], operation: "bad") {
        g in
        let turned = RotaryEmbedding.rotate(
          g, rows: 3, length: 3, half: 2, cosines: cosines, sines: sines, inverse: false)
        input.accumulateGrad(turned)
      }
    }
    let report = checkGradients(at: [x], using: &g) { wrongRotation($0[0]) }
    #expect(!report.passed)
  }

  @Test func swiGLU() {
    var g = SeededGenerator(seed: 1)
    let layer = SwiGLU(width: 4, hidden: 6, using: &g)
    randomise(layer)
    let x = Tensor.normal([2, 3, 4], using: &g, requiresGrad: true)
    #expect(checkGradients(at: [x] + layer.parameters, using: &g) { layer($0[0]) }.passed)
  }

  @Test func rmsNorm() {
    var g = SeededGenerator(seed: 2)
    let layer = RMSNorm(5)
    randomise(layer)
    let x = Tensor.normal([3, 5], using: &g, requiresGrad: true)
    #expect(checkGradients(at: [x] + layer.parameters, using: &g) { layer($0[0]) }.passed)
  }

  @Test func decoderBlock() {
    var g = SeededGenerator(seed: 1)
    let block = DecoderBlock(width: 8, heads: 2, hidden: 12, using: &g)
    randomise(block, seed: 3)
    let x = Tensor.normal([2, 3, 8], using: &g, requiresGrad: true)
    let report = checkGradients(at: [x] + block.parameters, using: &g) { block($0[0]) }
    #expect(report.passed, "\(report)")
  }

  @Test func wholeModel() {
    let model = tinyModel()
    randomise(model, seed: 4)
    var g = SeededGenerator(seed: 6)
    let report = checkGradients(at: model.parameters, using: &g) { _ in
      crossEntropy(model([1, 4, 2, 7, 3, 3], batch: 2), targets: [4, 2, 7, 3, 3, 9])
    }
    #expect(report.passed, "\(report)")
  }
}

@Suite("Decoder behaviour")
struct DecoderBehaviour {
  @Test func rotaryScoresDependOnlyOnRelativePosition() {
    var g = SeededGenerator(seed: 3)
    let rope = RotaryEmbedding(headWidth: 8)
    let q = Tensor.normal([1, 1, 1, 8], using: &g),
      k = Tensor.normal([1, 1, 1, 8], using: &g)
    func score(_ p: Int, _ r: Int) -> Float {
      zip(rope(q, start: p).data, rope(k, start: r).data).map { $0 * $1 }.reduce(0, +)
    }
    #expect(Swift.abs(score(7, 3) - score(104, 100)) < 1e-3)
    #expect(
      Swift.abs(score(0, 0) - zip(q.data, k.data).map { $0 * $1 }.reduce(0, +)) < 1e-5)
    // A rotation keeps lengths.
    let turned = rope(q, start: 42).data
    let lengths = [q.data, turned].map { $0.map { $0 * $0 }.reduce(0, +) }
    #expect(Swift.abs(lengths[0] - lengths[1]) < 1e-4)
  }

  @Test func attentionIsCausal() {
    let model = tinyModel()
    randomise(model, seed: 2)
    let a = withoutGradient { model([1, 2, 3, 4]) }
    let b = withoutGradient { model([1, 2, 3, 9]) }
    let v = 11
    #expect(Array(a.data[0..<(3 * v)]) == Array(b.data[0..<(3 * v)]))
    #expect(Array(a.data[(3 * v)...]) != Array(b.data[(3 * v)...]))
  }

  @Test func cachedDecodingGivesTheSameLogits() {
    let model = tinyModel()
    randomise(model, seed: 2)
    let tokens = [1, 5, 2, 8, 3, 3, 0, 10, 4]
    let full = withoutGradient { model(tokens) }  // [1, 9, V]
    let cache = KeyValueCache(layers: 2)
    var pieces: [Float] = []
    withoutGradient {
      pieces += model(Array(tokens[0..<4]), cache: cache).data  // a prompt of 4
      for token in tokens[4...] { pieces += model([token], cache: cache).data }
    }
    #expect(cache.length == tokens.count)
    let worst = zip(full.data, pieces).map { Swift.abs($0 - $1) }.max()!
    #expect(worst < 1e-5, "largest difference \(worst)")
  }

  @Test func cachedAndUncachedGenerationAgree() {
    let model = tinyModel()
    randomise(model, seed: 2)
    for sampler in [Sampler.greedy, Sampler(temperature: 0.8, topK: 5)] {
      var g1 = SeededGenerator(seed: 9), g2 = SeededGenerator(seed: 9)
      let a = model.generate([1, 2], maxNewTokens: 12, sampler: sampler, using: &g1)
      let b = model.generate(
        [1, 2], maxNewTokens: 12, sampler: sampler, cached: false, using: &g2)
      #expect(a == b)
      #expect(a.count == 12)
    }
  }

  @Test func generationStopsAtAStopToken() {
    let model = tinyModel()
    randomise(model, seed: 2)
    var g = SeededGenerator(seed: 1)
    let free = model.generate([1], maxNewTokens: 10, sampler: .greedy, using: &g)
    let stop = free[3]
    let stopped = model.generate(
      [1], maxNewTokens: 10, sampler: .greedy, stopTokens: [stop], using: &g)
    #expect(stopped == Array(free.prefix(through: free.firstIndex(of: stop)!)))
  }

  @Test func theBetweenHookSeesEveryLayer() {
    let model = tinyModel()
    var seen: [Int] = []
    let x = model.embedding([1, 2, 3], shape: [1, 3])
    let plain = model.hiddenStates(x)
    let hooked = model.hiddenStates(x) { layer, h in
      seen.append(layer)
      return h
    }
    #expect(seen == [0, 1])
    #expect(plain.data == hooked.data)
  }
}

@Suite("Sampling")
struct SamplingTests {
  let logits: [Float] = [1.0, 3.0, 2.0, -1.0, 2.5]

  @Test func greedyAndItsEquivalents() {
    var g = SeededGenerator(seed: 1)
    #expect(Sampler.greedy.next(logits, using: &g) == 1)
    #expect(Sampler(topK: 1).next(logits, using: &g) == 1)
    #expect(Sampler(topP: 0.01).next(logits, using: &g) == 1)
  }

  @Test func temperatureSharpensAndFlattens() {
    let plain = Sampler().probabilities(logits)
    let total = logits.map { FastMath.exp($0) }.reduce(0, +)
    #expect(
      zip(plain, logits).allSatisfy { Swift.abs($0 - FastMath.exp($1) / total) < 1e-5 })
    let cold = Sampler(temperature: 0.5).probabilities(logits)
    let hot = Sampler(temperature: 2).probabilities(logits)
    #expect(cold[1] > plain[1] && plain[1] > hot[1])
  }

  @Test func topKAndTopPKeepTheRightTokens() {
    let k2 = Sampler(topK: 2).probabilities(logits)
    #expect(k2.indices.filter { k2[$0] > 0 } == [1, 4])
    #expect(Swift.abs(k2.reduce(0, +) - 1) < 1e-6)
    // Probabilities ≈ [.06, .43, .16, .01, .26]: 0.43 + 0.26 < 0.8 ≤ 0.43 + 0.26 + 0.16.
    let p = Sampler(topP: 0.8).probabilities(logits)
    #expect(p.indices.filter { p[$0] > 0 } == [1, 2, 4])
  }

  @Test func repetitionPenaltyLowersSeenTokens() {
    let plain = Sampler().probabilities(logits)
    let penalised = Sampler(repetitionPenalty: 1.5).probabilities(
      logits, previous: [1, 3])
    #expect(penalised[1] < plain[1])
    #expect(penalised[3] < plain[3])  // a negative logit is multiplied: lower still
    #expect(penalised[2] > plain[2])
  }

  @Test func drawsFollowTheProbabilities() {
    var g = SeededGenerator(seed: 4)
    let sampler = Sampler(temperature: 1)
    let p = sampler.probabilities(logits)
    var counts = [Int](repeating: 0, count: logits.count)
    for _ in 0..<20_000 { counts[sampler.next(logits, using: &g)] += 1 }
    for (count, probability) in zip(counts, p) {
      // Four standard deviations of a binomial count.
      let sd = (20_000 * probability * (1 - probability)).squareRoot()
      #expect(Swift.abs(Float(count) - 20_000 * probability) < 4 * sd + 1)
    }
  }
}

@Suite("Vicuna's template")
struct ConversationTests {
  @Test func lossOnlyOnTheAssistantsTokens() {
    let tokenizer = BPETokenizer()  // bytes only: one token per character
    let conversation = Conversation(
      system: "S", turns: [(user: "q?", assistant: "a."), (user: "r?", assistant: "b")])
    let (ids, _) = conversation.tokens(tokenizer)
    #expect(
      tokenizer.decode(ids) == "<s>S USER: q? ASSISTANT: a.</s> USER: r? ASSISTANT: b</s>"
    )
    let (inputs, targets) = conversation.trainingExample(tokenizer)
    #expect(inputs == Array(ids.dropLast()))
    let learned = targets.filter { $0 >= 0 }
    #expect(tokenizer.decode(learned) == " a.</s> b</s>")
  }

  @Test func onlyTheTemplatesOwnMarkersAreSpecial() {
    let tokenizer = BPETokenizer()
    let conversation = Conversation(
      system: "S", turns: [(user: "say </s>", assistant: "ok")])
    let ids = conversation.tokens(tokenizer).ids
    #expect(ids.filter { $0 == tokenizer.end }.count == 1)  // the answer's end only
    #expect(ids.filter { $0 == tokenizer.beginning }.count == 1)
    #expect(conversation.text == "S USER: say </s> ASSISTANT: ok")
  }

  @Test func aPromptEndsWhereTheAssistantSpeaks() {
    let tokenizer = BPETokenizer()
    let conversation = Conversation(system: "S", turns: [(user: "q?", assistant: nil)])
    #expect(
      tokenizer.decode(conversation.tokens(tokenizer).ids) == "<s>S USER: q? ASSISTANT:")
  }
}
