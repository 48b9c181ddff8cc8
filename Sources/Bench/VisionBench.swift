import Autograd
import Layers
import Notebook
import Vision

extension Bench {
  /// The ViT of DESIGN §4 and its feature pyramid, on a batch of 32 images.
  func visionBench() {
    var generator = SeededGenerator(seed: 7)
    let vit = VisionTransformer(using: &generator)
    let pyramid = FeaturePyramid(using: &generator)
    let images = Tensor.uniform([32, 3, 32, 32], using: &generator)
    let forward = bestSeconds(repeats: repeats) { _ = withoutGradient { vit(images) } }
    let both = bestSeconds(repeats: repeats) {
      vit(images).mean().backward()
      vit.zeroGrad()
    }
    let pyramidBoth = bestSeconds(repeats: repeats) {
      let maps = pyramid(images, vitTokens: vit(images))
      (maps[0].mean() + maps[1].mean() + maps[2].mean()).backward()
      vit.zeroGrad()
      pyramid.zeroGrad()
    }
    // Per image: 64 tokens × (12·C² per layer for projections and MLP + 2·N·C attention).
    let c = 64.0, n = 64.0
    let flops = 32 * 2 * n * (12 * c * c + 2 * n * c) * 4 + 32 * 2 * n * 48 * c
    print("Vision Transformer (patch 4, width 64, 4 layers, 4 heads), batch 32:")
    print(
      "  forward \(formattedDuration(forward)) (\(gf(flops / forward)) GFLOP/s), "
        + "forward+backward \(formattedDuration(both)) (\(gf(3 * flops / both)) GFLOP/s)")
    print(
      "  with the feature pyramid, forward+backward \(formattedDuration(pyramidBoth))\n")
  }
}
