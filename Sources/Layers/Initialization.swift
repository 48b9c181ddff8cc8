import Autograd

// MARK: book:initialization
/// How a weight tensor starts. Named after what they are: the scale that keeps
/// activations (Xavier/Glorot) or their ReLU-halved variance (Kaiming/He) steady from
/// layer to layer.
public enum Initialization: Sendable {
  /// U(−a, a) with a = √(6 / (fanIn + fanOut)): variance 2/(fanIn + fanOut), a
  /// compromise between keeping forward activations and backward gradients steady
  /// (Glorot and Bengio, 2010). For tanh and linear layers.
  case xavierUniform
  /// N(0, 2/fanIn): a ReLU zeroes half its inputs, so twice the variance keeps the
  /// signal (He et al., 2015).
  case kaimingNormal
  /// N(0, std²) with a given std (GPT-style 0.02, for instance).
  case normal(std: Float)
  /// All zeros (biases, and the zero-initialised gates of later chapters).
  case zeros
  /// All ones (the gains of normalisation layers).
  case ones

  // MARK: end
  // MARK: book:initialization-tensor
  /// A trainable tensor of `shape`. `fanIn` and `fanOut` are the numbers of inputs and
  /// outputs each weight connects (for a [out, in] matrix: in and out; for a convolution
  /// kernel [out, in, kh, kw]: in·kh·kw and out·kh·kw).
  public func tensor(
    _ shape: [Int], fanIn: Int, fanOut: Int, using generator: inout SeededGenerator
  ) -> Tensor {
    switch self {
    case .xavierUniform:
      let bound = (6 / Float(fanIn + fanOut)).squareRoot()
      return Tensor.uniform(
        shape, low: -bound, high: bound, using: &generator,
        requiresGrad: true)
    case .kaimingNormal:
      return Tensor.normal(
        shape, std: (2 / Float(fanIn)).squareRoot(), using: &generator,
        requiresGrad: true)
    case .normal(let std):
      return Tensor.normal(shape, std: std, using: &generator, requiresGrad: true)
    case .zeros:
      return Tensor.zeros(shape, requiresGrad: true)
    case .ones:
      return Tensor.ones(shape, requiresGrad: true)
    }
  }
}
// MARK: end
