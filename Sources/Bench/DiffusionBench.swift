import Autograd
import Diffusion
import Layers
import Notebook

extension Bench {
  /// The U-Net of DESIGN §4 (32/64/64 channels at 32²/16²/8², cross-attention at 16² and
  /// 8² to 8 condition tokens of width 128): forward and forward+backward per image, a
  /// training step on a batch of 8, and one DDIM-50 sample with guidance (two U-Net
  /// calls per step). `make bench-peer` sets these beside PyTorch's, measured in the same
  /// run.
  func diffusionBench() {
    var generator = SeededGenerator(seed: 10)
    let net = UNet(using: &generator)
    let schedule = NoiseSchedule.linear()
    let optimizer = AdamW([ParameterGroup(net.namedParameters, weightDecay: 0.01)])
    let batch = 8
    let images = Tensor.normal([batch, 3, 32, 32], using: &generator)
    let context = Tensor.normal([batch, 8, 128], using: &generator)
    let timesteps = (0..<batch).map { _ in generator.nextInt(below: 200) }
    let one = Tensor.normal([1, 3, 32, 32], using: &generator)
    let oneContext = Tensor.normal([1, 8, 128], using: &generator)
    let forward = bestSeconds(repeats: repeats) {
      _ = withoutGradient { net(one, timesteps: [100], context: oneContext) }
    }
    let forwardBackward = bestSeconds(repeats: repeats) {
      let input = Tensor(shape: one.shape, data: one.data, requiresGrad: true)
      net(input, timesteps: [100], context: oneContext).sum().backward()
      optimizer.zeroGrad()  // not net.zeroGrad(): its Mirror walk would be timed too
    }
    // Per image, by how many images share one U-Net call (sampling batches prompts).
    let batchSizes = [1, 4, 16, 64]
    let many = Tensor.normal([64, 3, 32, 32], using: &generator)
    let manyContexts = Tensor.normal([64, 8, 128], using: &generator)
    let perImageForward = batchSizes.map { b in
      let x = many.sliced(axis: 0, 0..<b), c = manyContexts.sliced(axis: 0, 0..<b)
      return bestSeconds(repeats: quick ? 1 : 3) {
        _ = withoutGradient {
          net(x, timesteps: [Int](repeating: 100, count: b), context: c)
        }
      } / Double(b)
    }
    let step = bestSeconds(repeats: quick ? 2 : 5) {
      let noise = Tensor.normal(images.shape, using: &generator)
      let noisy = schedule.noised(images, at: timesteps, noise: noise)
      meanSquaredError(net(noisy, timesteps: timesteps, context: context), noise)
        .backward()
      optimizer.step(learningRate: 1e-4)
      optimizer.zeroGrad()
    }
    let model = DiffusionModel(
      net: net, schedule: schedule, nullCondition: Tensor.zeros([1, 8, 128]))
    let sampleSeconds = bestSeconds(repeats: quick ? 1 : 2) {
      var g = SeededGenerator(seed: 1)
      _ = model.sample(
        conditions: oneContext, height: 32, width: 32, steps: 50, guidance: 3, using: &g)
    }
    print("U-Net (32/64/64 channels at 32²/16²/8², \(net.parameterCount) weights):")
    print("  forward, one 32² image: \(formattedDuration(forward))")
    let byBatch = zip(batchSizes, perImageForward).map {
      "\($0.0): \(formattedDuration($0.1))"
    }
    print("  forward per image, by images per call: " + byBatch.joined(separator: ", "))
    print("  forward + backward, one image: \(formattedDuration(forwardBackward))")
    let perImage = formattedDuration(step / Double(batch))
    let stepTime = formattedDuration(step)
    print("  training step (AdamW), batch \(batch): \(stepTime) (\(perImage) per image)")
    print(
      "  one DDIM-50 sample with guidance: \(formattedDuration(sampleSeconds))"
        + " (PyTorch's, measured beside ours: make bench-peer)")
    print("")
  }
}
