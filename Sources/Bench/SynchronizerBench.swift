import Autograd
import Layers
import Notebook
import Synchronizer

extension Bench {
  /// MMFS at MMI-Tiny's language-model sizes against dense cross-attention over every
  /// feature of every image (what MMFS replaces).
  func synchronizerBench() {
    print(
      "MMFS (4 heads, 4 points, 3 levels 16²/8²/4², 64 channels) vs dense cross-attention"
    )
    print("  over all image features; batch 1 × 128 tokens, forward / forward+backward")
    var generator = SeededGenerator(seed: 8)
    var configuration = SynchronizerConfiguration()
    configuration.maxImages = 9  // recency indices 1...8, and 0 for unseen
    let mmfs = MultiModalFeatureSynchronizer(configuration, using: &generator)
    let dense = MultiHeadAttention(
      width: 128, heads: 4, contextWidth: 64, using: &generator)
    let tokens = 128
    for images in quick ? [1, 4] : [1, 2, 4, 8] {
      let x = Tensor.normal([1, tokens, 128], using: &generator, requiresGrad: true)
      let reference = Tensor.uniform([1, tokens, 2], using: &generator)
      let maps = [16, 8, 4].map {
        Tensor.normal([1, images, 64, $0, $0], using: &generator, requiresGrad: true)
      }
      let visible = [Bool](repeating: true, count: tokens * images)
      // Dense: every token attends to all 336 cells of every image's three maps.
      let features = Tensor.concatenate(
        maps.map { $0.reshaped([1, images, 64, -1]) }, axis: 3
      )  // [1, N, C, 336]
      .permuted([0, 1, 3, 2]).reshaped([1, -1, 64])  // [1, N·336, C]
      let mmfsForward = bestSeconds(repeats: repeats) {
        _ = withoutGradient {
          mmfs(x, reference: reference, maps: maps, visible: visible)
        }
      }
      let mmfsBoth = bestSeconds(repeats: repeats) {
        mmfs(x, reference: reference, maps: maps, visible: visible).mean().backward()
        mmfs.zeroGrad()
        x.zeroGrad()
      }
      let denseForward = bestSeconds(repeats: repeats) {
        _ = withoutGradient { dense(x, context: features) }
      }
      let denseBoth = bestSeconds(repeats: repeats) {
        dense(x, context: features).mean().backward()
        dense.zeroGrad()
        x.zeroGrad()
      }
      print(
        "  \(images) image(s): MMFS \(formattedDuration(mmfsForward)) / "
          + "\(formattedDuration(mmfsBoth)),  dense \(formattedDuration(denseForward)) / "
          + "\(formattedDuration(denseBoth))")
    }
    print("")
  }
}
