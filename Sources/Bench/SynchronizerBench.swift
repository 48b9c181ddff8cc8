import Autograd
import Layers
import Notebook
import Synchronizer

extension Bench {
  /// MMFS at MMI-Tiny's sizes (DESIGN §4) against dense cross-attention over every
  /// feature of every image (what MMFS replaces): the language model's side (128 tokens,
  /// up to 4 images and beyond) and the U-Net's (every pixel of a 32² or 16² map a query
  /// into the previous image). Time per call and tensor bytes allocated per call.
  func synchronizerBench() {
    print("MMFS (4 heads, 4 points, 3 levels 16²/8²/4², 64 channels) vs dense")
    print("  cross-attention over all 336 features per image; batch 1; best time, and")
    print("  tensor storage allocated per call (values made + gradients passed back)")
    let header =
      "  queries".padded(30) + "MMFS fwd".padded(11, left: true)
      + "fwd+bwd".padded(11, left: true) + "MB".padded(11, left: true)
      + "dense fwd".padded(11, left: true) + "fwd+bwd".padded(11, left: true)
      + "MB".padded(11, left: true)
    print(header)
    var cases: [(label: String, queries: Int, width: Int, images: Int)] =
      (quick ? [1, 4] : [1, 2, 4, 8]).map {
        ("LLM 128 tokens × \($0) image\($0 == 1 ? "" : "s")", 128, 128, $0)
      }
    cases += [("U-Net 32² pixels, 1 image", 1024, 32, 1),
              ("U-Net 16² pixels, 1 image", 256, 64, 1)]
    var generator = SeededGenerator(seed: 8)
    for (label, tokens, width, images) in cases {
      var configuration = SynchronizerConfiguration()
      (configuration.queryWidth, configuration.outputWidth) = (width, width)
      configuration.maxImages = 9  // recency indices 1...8, and 0 for unseen
      let mmfs = MultiModalFeatureSynchronizer(configuration, using: &generator)
      let parameters = mmfs.parameters  // listed once: the Mirror walk is not timed
      let dense = MultiHeadAttention(
        width: width, heads: 4, contextWidth: 64, using: &generator)
      let x = Tensor.normal([1, tokens, width], using: &generator, requiresGrad: true)
      let reference = Tensor.uniform([1, tokens, 2], using: &generator)
      let maps = [16, 8, 4].map {
        Tensor.normal([1, images, 64, $0, $0], using: &generator, requiresGrad: true)
      }
      let visible = [Bool](repeating: true, count: tokens * images)
      // Dense: every query attends to all 336 cells of every image's three maps.
      let features = Tensor.concatenate(
        maps.map { $0.reshaped([1, images, 64, -1]) }, axis: 3
      )  // [1, N, C, 336]
      .permuted([0, 1, 3, 2]).reshaped([1, -1, 64])  // [1, N·336, C]
      let runMMFS = { (backward: Bool) in
        let y = mmfs(x, reference: reference, maps: maps, visible: visible)
        if backward {
          y.mean().backward()
          for parameter in parameters { parameter.zeroGrad() }
          x.zeroGrad()
        }
      }
      let runDense = { (backward: Bool) in
        let y = dense(x, context: features)
        if backward {
          y.mean().backward()
          dense.zeroGrad()
          x.zeroGrad()
        }
      }
      let mmfsForward = bestSeconds(repeats: repeats) {
        withoutGradient { runMMFS(false) }
      }
      let mmfsBoth = bestSeconds(repeats: repeats) { runMMFS(true) }
      let mmfsBytes = TensorAllocations.measure { runMMFS(true) }
      let denseForward = bestSeconds(repeats: repeats) {
        withoutGradient { runDense(false) }
      }
      let denseBoth = bestSeconds(repeats: repeats) { runDense(true) }
      let denseBytes = TensorAllocations.measure { runDense(true) }
      func megabytes(_ bytes: Int) -> String {
        formatted(Double(bytes) / 1e6, significantDigits: 3)
      }
      print(
        "  " + label.padded(28) + formattedDuration(mmfsForward).padded(11, left: true)
          + formattedDuration(mmfsBoth).padded(11, left: true)
          + megabytes(mmfsBytes).padded(11, left: true)
          + formattedDuration(denseForward).padded(11, left: true)
          + formattedDuration(denseBoth).padded(11, left: true)
          + megabytes(denseBytes).padded(11, left: true))
    }
    print("")
    readBench()
  }

  /// MMFS's read alone (sample, weight, sum), composed of the engine's operations
  /// against the fused `synchronizerRead`, forward and backward, at the shapes of
  /// MMI-Tiny's training step: the decoder (8 sequences of 128 tokens, 2 images) and
  /// the U-Net's 32² site (16 images, each pixel a query into the previous image).
  func readBench() {
    print("MMFS's read, composed of tensor operations vs fused (synchronizerRead),")
    print("  forward + backward, best time")
    print("  " + "shape".padded(44) + "composed".padded(11, left: true)
          + "fused".padded(11, left: true) + "speed-up".padded(10, left: true))
    var generator = SeededGenerator(seed: 9)
    let cases = [("decoder: 8 × 128 tokens, 2 images", 8, 128, 2),
                 ("U-Net 32² site: 16 images × 1024 pixels", 16, 1024, 1)]
    for (label, b, t, n) in cases {
      let (h, p, d) = (4, 4, 16)
      let values = [16, 8, 4].map {
        Tensor.normal([b, n, $0, $0, h * d], using: &generator, requiresGrad: true)
      }
      let locations = Tensor.uniform(
        [b, t, n, h, p, 2], low: -0.1, high: 1.1, using: &generator, requiresGrad: true)
      let weights = Tensor.uniform(
        [b, t, h, n, 3, p + 1], using: &generator, requiresGrad: true)
      let visible = [Bool](repeating: true, count: b * t * n)
      let inputs = values + [locations, weights]
      func time(_ read: () -> Tensor) -> Double {
        bestSeconds(repeats: repeats) {
          read().sum().backward()
          for input in inputs { input.zeroGrad() }
        }
      }
      let composed = time {
        composedSynchronizerRead(
          values: values, locations: locations, weights: weights, heads: h)
      }
      let fused = time {
        synchronizerRead(
          values: values, locations: locations, weights: weights, visible: visible,
          heads: h)
      }
      print("  " + label.padded(44) + formattedDuration(composed).padded(11, left: true)
            + formattedDuration(fused).padded(11, left: true)
            + (formatted(composed / fused, significantDigits: 2) + "×")
            .padded(10, left: true))
      FigureLog.shared.record("MMFS read composed, \(label)", 1000 * composed, unit: "ms")
      FigureLog.shared.record("MMFS read fused, \(label)", 1000 * fused, unit: "ms")
    }
    print("")
  }
}
