import Autograd
import Layers
import Notebook

extension Bench {
  /// Conv2d at U-Net-like shapes, against the BLAS peak measured in the same run, and
  /// one training step of Chapter 2's CNN.
  func convolutionBench() {
    let peak = blasPeak()
    print(
      "Conv2d, 3×3 kernels, batch 16 (BLAS peak this run: \(gf(peak)) GFLOP/s,"
        + " sgemm 512³)")
    print(
      "  shape".padded(40) + "fwd GF/s".padded(10, left: true)
        + "% peak".padded(8, left: true) + "fwd+bwd GF/s".padded(14, left: true)
        + "% peak".padded(8, left: true) + "im2col GB/s".padded(13, left: true))
    let shapes: [(c: Int, o: Int, size: Int, stride: Int)] =
      quick
      ? [(32, 32, 16, 1)]
      : [(32, 32, 32, 1), (32, 64, 32, 2), (64, 64, 16, 1), (64, 64, 8, 1)]
    var generator = SeededGenerator(seed: 4)
    for shape in shapes {
      let layer = Conv2d(
        shape.c, shape.o, kernel: 3, stride: shape.stride, padding: 1,
        using: &generator)
      let x = Tensor.normal(
        [16, shape.c, shape.size, shape.size], using: &generator,
        requiresGrad: true)
      let out = shape.size / shape.stride
      let flops = 2.0 * Double(16 * shape.o * out * out * shape.c * 9)
      var forward = Double.infinity, both = Double.infinity
      let seed = [Float](repeating: 1, count: 16 * shape.o * out * out)
      for _ in 0..<repeats {
        forward = min(forward, secondsTaken { _ = withoutGradient { layer(x) } })
        both = min(
          both,
          secondsTaken {
            layer(x).backward(gradient: seed)
            x.zeroGrad()
            layer.zeroGrad()
          })
      }
      // im2col alone: bytes of unfolded matrix written per second, image by image.
      let g = ConvolutionGeometry(
        batch: 1, channels: shape.c, height: shape.size, width: shape.size, kernel: 3,
        stride: shape.stride, padding: 1)
      var columns = [Float](repeating: 0, count: g.patchSize * g.positions)
      let unfold = bestSeconds(repeats: repeats) {
        x.data.withUnsafeBufferPointer { x in
          columns.withUnsafeMutableBufferPointer { c in
            for b in 0..<16 {
              unfoldPatches(x.baseAddress! + b * g.channels * shape.size * shape.size, g,
                            into: c.baseAddress!)
            }
          }
        }
      }
      let unfoldRate = Double(16 * 4 * columns.count) / unfold / 1e9
      let name =
        "  [16,\(shape.c),\(shape.size),\(shape.size)] → \(shape.o) ch"
        + (shape.stride > 1 ? ", stride \(shape.stride)" : "")
      print(
        name.padded(40) + gf(flops / forward).padded(10, left: true)
          + percent(flops / forward / peak).padded(8, left: true)
          + gf(3 * flops / both).padded(14, left: true)
          + percent(3 * flops / both / peak).padded(8, left: true)
          + formatted(unfoldRate, significantDigits: 3).padded(13, left: true))
      FigureLog.shared.record(
        "im2col \(shape.c)x\(shape.size)² stride \(shape.stride)", unfoldRate,
        unit: "GB/s")
    }
    print("  (fwd+bwd counts 3× the forward FLOPs: the forward product, dW and dX)\n")
    cnnStepBench()
  }

  /// sgemm 512³ on preallocated buffers: what BLAS reaches on this machine right now.
  func blasPeak() -> Double {
    var generator = SeededGenerator(seed: 5)
    let a = Tensor.normal([512, 512], using: &generator).data
    let b = Tensor.normal([512, 512], using: &generator).data
    var c = [Float](repeating: 0, count: 512 * 512)
    let seconds = bestSeconds(repeats: repeats) {
      sgemm(false, false, 512, 512, 512, a, b, &c)
    }
    return 2 * 512 * 512 * 512 / seconds
  }

  func percent(_ fraction: Double) -> String {
    formatted(100 * fraction, significantDigits: 3) + "%"
  }

  /// One AdamW training step of Chapter 2's CNN (batch 64, 16×16 digits).
  func cnnStepBench() {
    final class DigitCNN: Layer {
      var first: Conv2d, second: Conv2d, third: Conv2d, output: Linear
      init(using generator: inout SeededGenerator) {
        first = Conv2d(1, 16, kernel: 3, padding: 1, using: &generator)
        second = Conv2d(16, 32, kernel: 3, stride: 2, padding: 1, using: &generator)
        third = Conv2d(32, 32, kernel: 3, stride: 2, padding: 1, using: &generator)
        output = Linear(32 * 4 * 4, 10, using: &generator)
      }
      func callAsFunction(_ x: Tensor) -> Tensor {
        let c = third(second(first(x).relu()).relu()).relu()
        return output(c.reshaped([c.shape[0], 512]))
      }
    }
    var generator = SeededGenerator(seed: 6)
    let model = DigitCNN(using: &generator)
    let optimizer = AdamW([ParameterGroup(model.namedParameters, weightDecay: 0.01)])
    let images = Tensor.uniform([64, 1, 16, 16], using: &generator)
    let labels = (0..<64).map { $0 % 10 }
    let seconds = bestSeconds(repeats: repeats * 2) {
      crossEntropy(model(images), targets: labels).backward()
      clipGradientNorm(model.parameters, maxNorm: 1)
      optimizer.step(learningRate: 1e-3)
      optimizer.zeroGrad()
    }
    print(
      "Chapter 2's CNN, one AdamW step on a batch of 64 16×16 digits: "
        + formattedDuration(seconds) + "\n")
  }
}
