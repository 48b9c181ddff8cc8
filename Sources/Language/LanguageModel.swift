import Autograd
import Layers

/// The sizes of MMI-Tiny's language model (DESIGN §4); Vicuna-13B's in the comments.
public struct LanguageModelConfiguration: Sendable, Equatable {
  public var vocabularySize: Int
  public var width = 128  // Vicuna-13B: 5120
  public var layers = 4  // 40
  public var heads = 4  // 40
  /// SwiGLU hidden width: LLaMA's 2/3 · 4C rounded up to a multiple of 32 (13824).
  public var hiddenWidth = 352
  /// The longest sequence trained on (2048); RoPE itself has no limit.
  public var contextLength = 256

  public init(vocabularySize: Int) { self.vocabularySize = vocabularySize }
}

/// One cache per layer, for generating token by token.
public final class KeyValueCache {
  public let layers: [LayerCache]
  /// Positions cached so far.
  public var length: Int { layers.first?.length ?? 0 }
  public init(layers: Int) { self.layers = (0..<layers).map { _ in LayerCache() } }
}

// MARK: book:language-model
/// A LLaMA-style decoder-only language model: token embedding, N decoder blocks, a
/// final RMSNorm and an output head (not tied to the embedding, as in LLaMA).
public final class LanguageModel: Layer {
  public let configuration: LanguageModelConfiguration
  public var embedding: Embedding
  public var blocks: [DecoderBlock]
  public var norm: RMSNorm
  public var head: Linear

  public init(
    _ configuration: LanguageModelConfiguration, using generator: inout SeededGenerator
  ) {
    let c = configuration
    self.configuration = c
    embedding = Embedding(
      c.vocabularySize, c.width, initialization: .normal(std: 0.02), using: &generator)
    blocks = (0..<c.layers).map { _ in
      DecoderBlock(
        width: c.width, heads: c.heads, hidden: c.hiddenWidth, using: &generator)
    }
    norm = RMSNorm(c.width)
    head = Linear(c.width, c.vocabularySize, bias: false, using: &generator)
  }

  // MARK: end
  // MARK: book:language-model-forward
  /// The final hidden states [B, T, C] for input embeddings `x` [B, T, C]. Chapter 8
  /// passes embeddings with visual tokens spliced in, and a `between(layer, h)` hook
  /// that adds the Synchronizer's output after the attention of chosen layers.
  public func hiddenStates(
    _ x: Tensor, cache: KeyValueCache? = nil,
    between: ((_ layer: Int, _ h: Tensor) -> Tensor)? = nil
  ) -> Tensor {
    var h = x
    for (i, block) in blocks.enumerated() {
      let hook = between.map { hook in { (h: Tensor) in hook(i, h) } }
      h = block(h, cache: cache?.layers[i], between: hook)  // [B, T, C]
    }
    return norm(h)  // [B, T, C]
  }

  /// Next-token logits [B, T, V] for token ids laid out [B, T].
  public func callAsFunction(
    _ tokens: [Int], batch: Int = 1, cache: KeyValueCache? = nil
  ) -> Tensor {
    let t = tokens.count / batch
    return head(hiddenStates(embedding(tokens, shape: [batch, t]), cache: cache))
  }
}
// MARK: end

extension LanguageModel {
  /// The language model Chapter 6 trains on the world's text, instruction-tunes and
  /// saves; Chapter 9 starts MMI-Tiny's decoder from it (as upstream starts from
  /// Vicuna).
  public static let savedByChapter6 = SavedModel(
    chapter: 6, name: "the language model",
    fullPath: "Checkpoints/ch06-language.safetensors",
    quickPath: "Checkpoints/ch06-language-quick.safetensors", quickTime: "~20 s",
    fullTime: "~5 min")
}
