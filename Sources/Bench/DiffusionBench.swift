import Autograd
import Diffusion
import Layers
import Notebook

extension Bench {
  /// The U-Net of DESIGN §4 (32/64/64 channels at 32²/16²/8², cross-attention at 16² and
  /// 8² to 8 condition tokens of width 128): forward and forward+backward per image, a
  /// training step on a batch of 8, and one DDIM-50 sample with guidance (two U-Net
  /// calls per step). PyTorch on this machine: about 0.85 s for that sample.
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
    let step = bestSeconds(repeats: quick ? 2 : 5) {
      let noise = Tensor.normal(images.shape, using: &generator)
      let noisy = schedule.noised(images, at: timesteps, noise: noise)
      meanSquaredError(net(noisy, timesteps: timesteps, context: context), noise)
        .backward()
      optimizer.step(learningRate: 1e-4)
      optimizer.zeroGrad()
    }
    let sampleSeconds = bestSeconds(repeats: quick ? 1 : 2) {
      var g = SeededGenerator(seed: 1)
      var x = Tensor.normal([1, 3, 32, 32], using: &g)
      let steps = schedule.ddimTimesteps(count: 50)
      let null = Tensor.zeros([1, 8, 128])
      withoutGradient {
        for (i, t) in steps.enumerated() {
          let both = net(
            Tensor.concatenate([x, x], axis: 0), timesteps: [t, t],
            context: Tensor.concatenate([null, oneContext], axis: 0))  // [2, 3, H, W]
          let epsilon = guidedNoise(
            unconditional: both.sliced(axis: 0, 0..<1),
            conditional: both.sliced(axis: 0, 1..<2), scale: 3)
          let previous = i + 1 < steps.count ? steps[i + 1] : -1
          x = schedule.ddimStep(x, epsilon: epsilon, from: t, to: previous, using: &g)
        }
      }
    }
    print("U-Net (32/64/64 channels at 32²/16²/8², \(net.parameterCount) weights):")
    let perImage = formattedDuration(step / Double(batch))
    print("  forward, one 32² image: \(formattedDuration(forward))")
    let stepTime = formattedDuration(step)
    print("  training step, batch \(batch): \(stepTime) (\(perImage) per image)")
    print("  one DDIM-50 sample with guidance: \(formattedDuration(sampleSeconds))")
    print("")
  }
}
