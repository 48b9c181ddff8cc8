import Autograd

// MARK: book:layernorm
/// Layer normalisation over the last axis: each vector is shifted to mean 0 and scaled
/// to variance 1, then given a learned gain and bias (Ba et al., 2016). Built from the
/// engine's operations, so its gradient comes from theirs.
public final class LayerNorm: Layer {
  public var weight: Tensor  // [C], the gain
  public var bias: Tensor  // [C]
  public let epsilon: Float

  public init(_ width: Int, epsilon: Float = 1e-5) {
    weight = Tensor.ones([width], requiresGrad: true)
    bias = Tensor.zeros([width], requiresGrad: true)
    self.epsilon = epsilon
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    let centred = x - x.mean(axis: -1, keepingDims: true)  // [..., C]
    let variance = (centred * centred).mean(axis: -1, keepingDims: true)  // [..., 1]
    return centred / (variance + epsilon).sqrt() * weight + bias
  }
}
// MARK: end

/// Root-mean-square normalisation (Zhang and Sennrich, 2019), LLaMA's choice: no mean
/// subtraction and no bias, x / √(mean(x²) + ε) · gain.
public final class RMSNorm: Layer {
  public var weight: Tensor  // [C]
  public let epsilon: Float

  public init(_ width: Int, epsilon: Float = 1e-6) {
    weight = Tensor.ones([width], requiresGrad: true)
    self.epsilon = epsilon
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    let meanSquare = (x * x).mean(axis: -1, keepingDims: true)  // [..., 1]
    return x / (meanSquare + epsilon).sqrt() * weight
  }
}

/// Group normalisation (Wu and He, 2018), the U-Net's: the channels of [B, C, H, W]
/// are split into G groups and each (image, group) is normalised over its channels and
/// pixels together; then a per-channel gain and bias. Unlike batch normalisation it
/// does not depend on the other images of the batch.
public final class GroupNorm: Layer {
  public var weight: Tensor  // [C]
  public var bias: Tensor  // [C]
  public let groups: Int
  public let epsilon: Float

  public init(groups: Int, channels: Int, epsilon: Float = 1e-5) {
    precondition(
      channels % groups == 0,
      "GroupNorm: \(channels) channels do not split into \(groups) groups")
    weight = Tensor.ones([channels], requiresGrad: true)
    bias = Tensor.zeros([channels], requiresGrad: true)
    self.groups = groups
    self.epsilon = epsilon
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    precondition(
      x.rank >= 2 && x.shape[1] == weight.count,
      "GroupNorm(\(weight.count) channels): input \(x.shape) needs shape "
        + "[B, \(weight.count), ...]")
    let batch = x.shape[0]
    let grouped = x.reshaped([batch, groups, -1])  // [B, G, C/G·H·W]
    let centred = grouped - grouped.mean(axis: -1, keepingDims: true)
    let variance = (centred * centred).mean(axis: -1, keepingDims: true)  // [B, G, 1]
    let normalised = (centred / (variance + epsilon).sqrt()).reshaped(x.shape)
    let perChannel = [weight.count] + [Int](repeating: 1, count: x.rank - 2)
    return normalised * weight.reshaped(perChannel) + bias.reshaped(perChannel)
  }
}
