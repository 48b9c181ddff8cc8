import Autograd
import Language
import Layers
import Notebook

extension Bench {
  /// The language model of DESIGN §4 (width 128, 4 layers, 4 heads, SwiGLU 352,
  /// vocabulary 512): a training step on 8 × 128 tokens, and generating 64 tokens with
  /// and without the KV cache (PyTorch on this machine: 70 ms with its cache).
  func languageBench() {
    var generator = SeededGenerator(seed: 9)
    let model = LanguageModel(
      LanguageModelConfiguration(vocabularySize: 512), using: &generator)
    let optimizer = AdamW([ParameterGroup(model.namedParameters, weightDecay: 0.01)])
    let (batch, length) = (8, 128)
    let tokens = (0..<(batch * (length + 1))).map { _ in generator.nextInt(below: 512) }
    var inputs: [Int] = [], targets: [Int] = []
    for sequence in 0..<batch {
      let start = sequence * (length + 1)
      inputs += tokens[start..<(start + length)]
      targets += tokens[(start + 1)...(start + length)]
    }
    let step = bestSeconds(repeats: repeats) {
      let logits = model(inputs, batch: batch)  // [B, T, V]
      crossEntropy(logits.reshaped([-1, 512]), targets: targets).backward()
      optimizer.step(learningRate: 1e-4)
      optimizer.zeroGrad()
    }
    // Per token: 2 FLOPs per weight (embedding lookups aside) + attention 4·T·C/2 per
    // layer on average; the backward pass costs twice the forward.
    let weights = Double(model.parameterCount - 512 * 128)
    let perToken = 2 * weights + 4 * 4 * Double(length / 2) * 128
    let flops = 3 * perToken * Double(batch * length)
    print("Language model (width 128, 4 layers, vocabulary 512):")
    print(
      "  training step, 8 × 128 tokens: \(formattedDuration(step)) "
        + "(\(formatted(Double(batch * length) / step)) tokens/s, "
        + "\(gf(flops / step)) GFLOP/s)")
    let prompt = Array(tokens.prefix(16))
    for cached in [true, false] {
      let seconds = bestSeconds(repeats: quick ? 2 : 5) {
        var g = SeededGenerator(seed: 1)
        _ = model.generate(
          prompt, maxNewTokens: 64, sampler: .greedy, cached: cached, using: &g)
      }
      print(
        "  64 tokens after a 16-token prompt, \(cached ? "with" : "without") the cache: "
          + "\(formattedDuration(seconds)) (\(formatted(64 / seconds)) tokens/s)")
    }
    print("")
  }
}
