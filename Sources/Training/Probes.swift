import Autograd
import Interleaved
import Language
import Platform

/// What to watch while MMI-Tiny trains, and how to ask it something.
extension MMInterleaved {
  /// tanh(α) of each decoder Synchronizer's gate: how much of MMFS's read reaches the
  /// decoder (0 at the start; the sign is the gate's own).
  public var gateOpenings: [Float] {
    decoderSynchronizers.map { tanhf($0.gate.item) }
  }

  /// The tokens the decoder writes greedily after a document's `items` (texts as ids,
  /// images as their K slots, showing `images` [I, 3, H, W] in order), until `</s>` or
  /// `maxTokens`. Each token recomputes the whole (short) sequence: no cache to get
  /// wrong, at a cost that only evaluation pays.
  public func continueText(
    _ items: [DocumentItem], images: Tensor, maxTokens: Int, special: SpecialTokens
  ) throws -> [Int] {
    let slots = configuration.visualTokens
    let encoded = withoutGradient { encode(images) }
    var written: [Int] = []
    while written.count < maxTokens {
      // Packing ends the document with </s>; the position before it is the last
      // token, and causal attention keeps it from seeing the </s>.
      let document = SequenceDocument(items + (written.isEmpty ? [] : [.text(written)]))
      let length = document.tokenCount(slotsPerImage: slots)
      let sequence = try PackedSequence.pack(
        [document], slotsPerImage: slots, length: length, special: special)
      let next = withoutGradient { () -> Int in
        let states = decoderStates(
          [sequence], images: encoded, positions: 0..<(length - 1))  // [1, T, C]
        let last = states.sliced(axis: 1, (length - 2)..<(length - 1))  // [1, 1, C]
        let logits = language.head(last).data  // [1, 1, V]
        return logits.indices.max { logits[$0] < logits[$1] }!
      }
      if next == special.end { break }
      written.append(next)
    }
    return written
  }

  /// How different the image conditions of two prompts are: ‖c₁ − c₂‖ / mean(‖c₁‖,
  /// ‖c₂‖) over the condition tokens [S, C] the U-Net would draw from, for `first` and
  /// `second` (token ids) each followed by an image. Near zero means the condition
  /// path has collapsed: the U-Net is told the same whatever the text says.
  public func conditionDifference(
    _ first: [Int], _ second: [Int], special: SpecialTokens
  ) throws -> Float {
    let blank = Tensor.zeros([1, 3, configuration.unetSide, configuration.unetSide])
    let encoded = withoutGradient { encode(blank) }
    func condition(_ prompt: [Int]) throws -> [Float] {
      let document = SequenceDocument([.text(prompt), .image])
      let length = prompt.count + 3 + configuration.visualTokens
      let sequence = try PackedSequence.pack(
        [document], slotsPerImage: configuration.visualTokens, length: length,
        special: special)
      return withoutGradient {
        let states = decoderStates([sequence], images: encoded)  // [1, T, C]
        return conditions(states, [sequence], conditionedImages([sequence])).data
      }
    }
    let (a, b) = (try condition(first), try condition(second))
    let norm = { (v: [Float]) in v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    let difference = norm(zip(a, b).map { $0 - $1 })
    return difference / max((norm(a) + norm(b)) / 2, .leastNormalMagnitude)
  }

  /// The share of attention each decoder Synchronizer gives its null slots (the
  /// "nothing here" option of every level), averaged over the tokens of `batch` that
  /// see at least one image and over the heads: 1 means MMFS reads nothing, near 0 that
  /// every token looks at the images. Computed by running the decoder as in training
  /// (without gradients) and asking each Synchronizer for its weights on the way.
  public func nullSlotMass(_ batch: InterleavedBatch) -> [Float] {
    withoutGradient {
      let sequences = batch.sequences
      let images = encode(batch.images)
      let range = 0..<sequences[0].length
      let x = embed(sequences, images: images, positions: range)  // [B, T, C]
      let (maps, visible) = decoderMaps(sequences, images: images, positions: range)
      let (b, t, n) = (sequences.count, range.count, maps[0].shape[1])
      var masses: [Float] = []
      _ = language.hiddenStates(x, cache: nil) { layer, h in
        guard let k = self.configuration.synchronizedLayers.firstIndex(of: layer) else {
          return h
        }
        let site = self.decoderSynchronizers[k]
        let weights = site.synchronizer.samplingPattern(
          site.queryNorm(h), reference: Tensor.full([b, t, 2], 0.5), images: n,
          visible: visible
        ).weights.data  // [B, T, h, N, L, P + 1]
        let c = site.synchronizer.configuration
        let perToken = c.heads * n * c.levels * (c.points + 1)
        var total: Float = 0, tokens = 0
        let seesAnImage = { (token: Int) in (0..<n).contains { visible[token * n + $0] } }
        for token in 0..<(b * t) where seesAnImage(token) {
          var null: Float = 0
          for slot in stride(from: c.points, to: perToken, by: c.points + 1) {
            null += weights[token * perToken + slot]
          }
          total += null / Float(c.heads)
          tokens += 1
        }
        masses.append(tokens > 0 ? total / Float(tokens) : .nan)
        return site(h, maps: maps, visible: visible)
      }
      return masses
    }
  }
}
