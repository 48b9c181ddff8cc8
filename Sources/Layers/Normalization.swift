import Autograd

// MARK: book:layernorm
/// Layer normalisation over the last axis: each vector is shifted to mean 0 and scaled
/// to variance 1, then given a learned gain and bias (Ba et al., 2016).
public final class LayerNorm: Layer {
  public var weight: Tensor  // [C], the gain
  public var bias: Tensor  // [C]
  public let epsilon: Float

  public init(_ width: Int, epsilon: Float = 1e-5) {
    weight = Tensor.ones([width], requiresGrad: true)
    bias = Tensor.zeros([width], requiresGrad: true)
    self.epsilon = epsilon
  }

  /// The definition, in the engine's operations (its gradient comes from theirs).
  public func reference(_ x: Tensor) -> Tensor {
    let centred = x - x.mean(axis: -1, keepingDims: true)  // [..., C]
    let variance = (centred * centred).mean(axis: -1, keepingDims: true)  // [..., 1]
    return centred / (variance + epsilon).sqrt() * weight + bias
  }

  /// The same, as one fused operation: one pass forward, one backward, instead of nine
  /// operations each writing a full-size tensor. The tests hold it to `reference`.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    layerNormalized(x, gain: weight, bias: bias, epsilon: epsilon)
  }
}
// MARK: end

/// Fused layer normalisation over the last axis with gain and bias.
///
/// Backward, with x̂ the normalised input, σ the standard deviation and g = dy·gain:
/// dx = (g − mean(g) − x̂·mean(g·x̂)) / σ;  d gain = Σ dy·x̂;  d bias = Σ dy (sums over
/// all rows).
public func layerNormalized(
  _ x: Tensor, gain: Tensor, bias: Tensor, epsilon: Float
) -> Tensor {
  let width = x.shape[x.rank - 1]
  require(
    gain.shape == [width] && bias.shape == [width],
    "layerNormalized", "gain and bias must be [\(width)] for input \(x.shape)")
  let rows = x.count / width
  var normalised = [Float](repeating: 0, count: x.count)  // x̂
  var inverseDeviation = [Float](repeating: 0, count: rows)  // 1/σ per row
  let output = uninitializedArray(x.count) { y in
    x.data.withUnsafeBufferPointer { input in
      gain.data.withUnsafeBufferPointer { g in
        bias.data.withUnsafeBufferPointer { b in
          normalised.withUnsafeMutableBufferPointer { n in
            for row in 0..<rows {
              let base = row * width
              let (mean, inverse) = meanAndInverseDeviation(
                input, from: base, count: width, epsilon: epsilon)
              inverseDeviation[row] = inverse
              for j in 0..<width {
                let value = (input[base + j] - mean) * inverse
                n[base + j] = value
                y[base + j] = value * g[j] + b[j]
              }
            }
          }
        }
      }
    }
  }
  let gainValues = gain.data
  return Tensor(
    shape: x.shape, data: output, inputs: [x, gain, bias],
    operation: "layerNorm"
  ) { dy in
    var dGain = [Float](repeating: 0, count: width)
    var dBias = [Float](repeating: 0, count: width)
    let dx = uninitializedArray(x.count) { dx in
      for row in 0..<rows {
        let base = row * width
        var meanG: Float = 0, meanGX: Float = 0
        for j in 0..<width {
          let g = dy[base + j] * gainValues[j]
          meanG += g
          meanGX += g * normalised[base + j]
          dGain[j] += dy[base + j] * normalised[base + j]
          dBias[j] += dy[base + j]
        }
        meanG /= Float(width)
        meanGX /= Float(width)
        for j in 0..<width {
          let g = dy[base + j] * gainValues[j]
          dx[base + j] =
            (g - meanG - normalised[base + j] * meanGX) * inverseDeviation[row]
        }
      }
    }
    x.accumulateGrad(dx)
    gain.accumulateGrad(dGain)
    bias.accumulateGrad(dBias)
  }
}

/// The mean of `count` values from `start`, and 1/√(variance + ε) with the variance
/// dividing by `count`: what layer and group normalisation scale by.
@inline(__always)
func meanAndInverseDeviation(
  _ values: UnsafeBufferPointer<Float>, from start: Int, count: Int, epsilon: Float
) -> (mean: Float, inverse: Float) {
  var sum: Float = 0
  for j in start..<(start + count) { sum += values[j] }
  let mean = sum / Float(count)
  var squares: Float = 0
  for j in start..<(start + count) {
    let d = values[j] - mean
    squares += d * d
  }
  return (mean, 1 / (squares / Float(count) + epsilon).squareRoot())
}

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
    require(
      channels % groups == 0,
      "GroupNorm", "\(channels) channels do not split into \(groups) groups")
    weight = Tensor.ones([channels], requiresGrad: true)
    bias = Tensor.zeros([channels], requiresGrad: true)
    self.groups = groups
    self.epsilon = epsilon
  }

  /// The definition, in the engine's operations (its gradient comes from theirs).
  public func reference(_ x: Tensor) -> Tensor {
    checkShape(x)
    let batch = x.shape[0]
    let grouped = x.reshaped([batch, groups, -1])  // [B, G, C/G·H·W]
    let centred = grouped - grouped.mean(axis: -1, keepingDims: true)
    let variance = (centred * centred).mean(axis: -1, keepingDims: true)  // [B, G, 1]
    let normalised = (centred / (variance + epsilon).sqrt()).reshaped(x.shape)
    let perChannel = [weight.count] + [Int](repeating: 1, count: x.rank - 2)
    return normalised * weight.reshaped(perChannel) + bias.reshaped(perChannel)
  }

  /// The same, as one fused operation (one pass forward, one backward); the tests hold
  /// it to `reference`.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    checkShape(x)
    return groupNormalized(x, groups: groups, gain: weight, bias: bias, epsilon: epsilon)
  }

  func checkShape(_ x: Tensor) {
    require(
      x.rank >= 2 && x.shape[1] == weight.count,
      "GroupNorm(\(weight.count) channels)", "input \(x.shape) needs shape "
        + "[B, \(weight.count), ...]")
  }
}

/// Fused group normalisation of [B, C, ...] with a per-channel gain and bias: each
/// (example, group of C/G channels) block, contiguous in memory, is normalised over all
/// its values. The backward pass is layer normalisation's, per block, with the gain
/// looked up by channel.
public func groupNormalized(
  _ x: Tensor, groups: Int, gain: Tensor, bias: Tensor, epsilon: Float
) -> Tensor {
  let channels = x.shape[1]
  require(
    channels % groups == 0 && gain.shape == [channels] && bias.shape == [channels],
    "groupNormalized", "\(channels) channels, \(groups) groups, gain \(gain.shape)")
  let spatial = x.count / (x.shape[0] * channels)  // values per channel
  let perGroup = channels / groups
  let blockSize = perGroup * spatial
  let blocks = x.shape[0] * groups
  var normalised = [Float](repeating: 0, count: x.count)  // x̂
  var inverseDeviation = [Float](repeating: 0, count: blocks)  // 1/σ per block
  let (gainValues, biasValues) = (gain.data, bias.data)
  let output = uninitializedArray(x.count) { y in
    x.data.withUnsafeBufferPointer { input in
      normalised.withUnsafeMutableBufferPointer { n in
        inverseDeviation.withUnsafeMutableBufferPointer { inverseDeviation in
          // Blocks (image, group) are independent: one share of them per worker.
          Parallel.forEach(blocks, workPerItem: blockSize) { block in
            let base = block * blockSize
            let (mean, inverse) = meanAndInverseDeviation(
              input, from: base, count: blockSize, epsilon: epsilon)
            inverseDeviation[block] = inverse
            let firstChannel = (block % groups) * perGroup
            for c in 0..<perGroup {
              let (g, b) = (gainValues[firstChannel + c], biasValues[firstChannel + c])
              let start = base + c * spatial
              for j in start..<(start + spatial) {
                let value = (input[j] - mean) * inverse
                n[j] = value
                y[j] = value * g + b
              }
            }
          }
        }
      }
    }
  }
  return Tensor(
    shape: x.shape, data: output, inputs: [x, gain, bias], operation: "groupNorm"
  ) { dy in
    var dGain = [Float](repeating: 0, count: channels)
    var dBias = [Float](repeating: 0, count: channels)
    let dx = uninitializedArray(x.count) { dx in
      normalised.withUnsafeBufferPointer { n in
        dy.withUnsafeBufferPointer { dy in
          dGain.withUnsafeMutableBufferPointer { dGain in
            dBias.withUnsafeMutableBufferPointer { dBias in
              // Shares of groups, each over every image in order: a channel's gain
              // and bias gradients are summed by one worker, in one thread's order.
              Parallel.forEach(groups, workPerItem: blockSize * x.shape[0]) { group in
                for block in stride(from: group, to: blocks, by: groups) {
                  let base = block * blockSize
                  let firstChannel = (block % groups) * perGroup
                  var meanG: Float = 0, meanGX: Float = 0
                  for c in 0..<perGroup {
                    let gainValue = gainValues[firstChannel + c]
                    var sumDy: Float = 0, sumDyX: Float = 0
                    let start = base + c * spatial
                    for j in start..<(start + spatial) {
                      sumDy += dy[j]
                      sumDyX += dy[j] * n[j]
                    }
                    dGain[firstChannel + c] += sumDyX
                    dBias[firstChannel + c] += sumDy
                    meanG += gainValue * sumDy
                    meanGX += gainValue * sumDyX
                  }
                  meanG /= Float(blockSize)
                  meanGX /= Float(blockSize)
                  let inverse = inverseDeviation[block]
                  for c in 0..<perGroup {
                    let gainValue = gainValues[firstChannel + c]
                    let start = base + c * spatial
                    for j in start..<(start + spatial) {
                      dx[j] = (dy[j] * gainValue - meanG - n[j] * meanGX) * inverse
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    x.accumulateGrad(dx)
    gain.accumulateGrad(dGain)
    bias.accumulateGrad(dBias)
  }
}
