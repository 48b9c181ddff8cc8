import Autograd
import Layers
import Platform

// MARK: book:time-embedding
/// The sinusoidal embedding of diffusion timesteps (the Transformer's position code,
/// as DDPM uses it): for t and i < d/2, sin(t·ω_i) and cos(t·ω_i), with
/// ω_i = 10000^(−i/(d/2)). [B] timesteps → [B, d].
public func timestepEmbedding(_ timesteps: [Int], width d: Int) -> Tensor {
  require(d % 2 == 0, "timestepEmbedding", "width \(d) must be even")
  let half = d / 2
  var values = [Float](repeating: 0, count: timesteps.count * d)
  for (b, t) in timesteps.enumerated() {
    for i in 0..<half {
      let angle = Float(t) * powf(10_000, -Float(i) / Float(half))
      values[b * d + i] = sinf(angle)
      values[b * d + half + i] = cosf(angle)
    }
  }
  return Tensor(shape: [timesteps.count, d], data: values)
}

/// The timestep's sinusoidal code through a two-layer MLP: [B] → [B, W].
public final class TimeEmbedding: Layer {
  public let codeWidth: Int
  public var first: Linear, second: Linear

  public init(codeWidth: Int, width: Int, using generator: inout SeededGenerator) {
    self.codeWidth = codeWidth
    first = Linear(codeWidth, width, using: &generator)
    second = Linear(width, width, using: &generator)
  }

  public func callAsFunction(_ timesteps: [Int]) -> Tensor {
    second(first(timestepEmbedding(timesteps, width: codeWidth)).silu())  // [B, W]
  }
}
// MARK: end

// MARK: book:residual-block
/// The U-Net's residual block: GroupNorm → SiLU → 3×3 conv, plus a projection of the
/// time embedding added to every pixel, then GroupNorm → SiLU → 3×3 conv; the input is
/// added back (through a 1×1 conv when the channel count changes).
public final class ResidualBlock: Layer {
  public var firstNorm: GroupNorm, firstConv: Conv2d
  public var time: Linear
  public var secondNorm: GroupNorm, secondConv: Conv2d
  public var shortcut: Conv2d?

  public init(
    _ inChannels: Int, _ outChannels: Int, timeWidth: Int, groups: Int,
    using generator: inout SeededGenerator
  ) {
    firstNorm = GroupNorm(groups: groups, channels: inChannels)
    firstConv = Conv2d(inChannels, outChannels, kernel: 3, padding: 1, using: &generator)
    time = Linear(timeWidth, outChannels, using: &generator)
    secondNorm = GroupNorm(groups: groups, channels: outChannels)
    secondConv = Conv2d(
      outChannels, outChannels, kernel: 3, padding: 1, using: &generator)
    shortcut =
      inChannels == outChannels
      ? nil : Conv2d(inChannels, outChannels, kernel: 1, using: &generator)
  }

  /// x [B, C, H, W], time embedding [B, W] → [B, C', H, W].
  public func callAsFunction(_ x: Tensor, time t: Tensor) -> Tensor {
    var h = firstConv(firstNorm(x).silu())  // [B, C', H, W]
    h = h + time(t.silu()).reshaped([t.shape[0], -1, 1, 1])  // [B, C', H, W]
    h = secondConv(secondNorm(h).silu())  // [B, C', H, W]
    return (shortcut.map { $0(x) } ?? x) + h
  }
}
// MARK: end

// MARK: book:condition-attention
/// Cross-attention from every pixel to the condition tokens (the text, in Stable
/// Diffusion; the language model's states, in MM-Interleaved), added back as a residual.
public final class ConditionAttention: Layer {
  public var norm: GroupNorm
  public var attention: MultiHeadAttention

  public init(
    channels: Int, contextWidth: Int, heads: Int, groups: Int,
    using generator: inout SeededGenerator
  ) {
    norm = GroupNorm(groups: groups, channels: channels)
    attention = MultiHeadAttention(
      width: channels, heads: heads, contextWidth: contextWidth, using: &generator)
  }

  /// x [B, C, H, W], context [B, S, C_ctx] → [B, C, H, W].
  public func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
    let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let pixels = norm(x).reshaped([b, c, h * w]).permuted([0, 2, 1])  // [B, HW, C]
    let attended = attention(pixels, context: context)  // [B, HW, C]
    return x + attended.permuted([0, 2, 1]).reshaped([b, c, h, w])
  }
}
// MARK: end

/// The sizes of MMI-Tiny's U-Net (DESIGN §4): 32/64/64 channels at 32²/16²/8².
public struct UNetConfiguration: Sendable, Equatable {
  public var imageChannels = 3
  /// Channels at each resolution, from the input's down; each level halves the size.
  public var channels = [32, 64, 64]
  /// Which levels (0 = full resolution) have cross-attention to the condition.
  public var attentionLevels: Set<Int> = [1, 2]
  public var contextWidth = 128
  public var timeCodeWidth = 32
  public var timeWidth = 128
  public var heads = 4
  public var groups = 8

  public init() {}
}

/// Where MM-Interleaved adds its Synchronizer's features: every skip connection and the
/// middle block (through zero-initialised 1×1 convolutions, upstream). The hook returns
/// the tensor to use in place of the one given.
public enum UNetSite: Hashable, Sendable {
  case skip(level: Int)
  case middle
}

/// What the U-Net calls at each site: it gets the site's features and returns what the
/// U-Net uses in their place.
public typealias UNetHook = (_ site: UNetSite, _ features: Tensor) -> Tensor

/// The denoising U-Net: it predicts the noise in x_t, given the timestep and condition
/// tokens. Down the levels, residual blocks (with cross-attention where configured) and
/// strided 3×3 convolutions; a middle block; back up with nearest upsampling and 3×3
/// convolutions, each level concatenating the skip saved on the way down.
public final class UNet: Layer {
  public let configuration: UNetConfiguration
  public var time: TimeEmbedding
  public var input: Conv2d
  public var down: [ResidualBlock], downAttention: [ConditionAttention?]
  public var downsample: [Conv2d]
  public var middleFirst: ResidualBlock, middleAttention: ConditionAttention
  public var middleSecond: ResidualBlock
  public var up: [ResidualBlock], upAttention: [ConditionAttention?]
  public var upsample: [Conv2d]
  public var outputNorm: GroupNorm, output: Conv2d

  public init(
    _ configuration: UNetConfiguration = UNetConfiguration(),
    using generator: inout SeededGenerator
  ) {
    let c = configuration
    self.configuration = c
    let levels = c.channels.count
    func attention(_ channels: Int, _ level: Int) -> ConditionAttention? {
      c.attentionLevels.contains(level)
        ? ConditionAttention(
          channels: channels, contextWidth: c.contextWidth, heads: c.heads,
          groups: c.groups, using: &generator) : nil
    }
    time = TimeEmbedding(
      codeWidth: c.timeCodeWidth, width: c.timeWidth, using: &generator)
    input = Conv2d(
      c.imageChannels, c.channels[0], kernel: 3, padding: 1, using: &generator)
    down = []
    downAttention = []
    downsample = []
    for level in 0..<levels {
      let from = c.channels[max(level - 1, 0)]
      down.append(
        ResidualBlock(
          from, c.channels[level], timeWidth: c.timeWidth, groups: c.groups,
          using: &generator))
      downAttention.append(attention(c.channels[level], level))
      if level < levels - 1 {
        downsample.append(
          Conv2d(
            c.channels[level], c.channels[level], kernel: 3, stride: 2, padding: 1,
            using: &generator))
      }
    }
    let deepest = c.channels[levels - 1]
    middleFirst = ResidualBlock(
      deepest, deepest, timeWidth: c.timeWidth, groups: c.groups, using: &generator)
    middleAttention = ConditionAttention(
      channels: deepest, contextWidth: c.contextWidth, heads: c.heads, groups: c.groups,
      using: &generator)
    middleSecond = ResidualBlock(
      deepest, deepest, timeWidth: c.timeWidth, groups: c.groups, using: &generator)
    up = []
    upAttention = []
    upsample = []
    for level in (0..<levels).reversed() {
      let from = level == levels - 1 ? deepest : c.channels[level + 1]
      up.append(
        ResidualBlock(
          from + c.channels[level], c.channels[level], timeWidth: c.timeWidth,
          groups: c.groups, using: &generator))
      upAttention.append(attention(c.channels[level], level))
      if level > 0 {
        upsample.append(
          Conv2d(
            c.channels[level], c.channels[level], kernel: 3, padding: 1, using: &generator
          ))
      }
    }
    outputNorm = GroupNorm(groups: c.groups, channels: c.channels[0])
    output = Conv2d(
      c.channels[0], c.imageChannels, kernel: 3, padding: 1, using: &generator)
  }

  // MARK: book:unet
  /// Predicted noise [B, 3, H, W] for x_t [B, 3, H, W] at `timesteps` (B of them), given
  /// condition tokens `context` [B, S, C_ctx]. `hook` sees each skip connection and the
  /// middle block's output, and returns what the U-Net uses instead.
  public func callAsFunction(
    _ x: Tensor, timesteps: [Int], context: Tensor, hook: UNetHook? = nil
  ) -> Tensor {
    let levels = configuration.channels.count
    let t = time(timesteps)  // [B, W]
    var h = input(x)  // [B, C0, H, W]
    var skips: [Tensor] = []
    for level in 0..<levels {
      h = down[level](h, time: t)  // [B, C_l, H_l, W_l]
      if let attention = downAttention[level] { h = attention(h, context: context) }
      skips.append(hook?(.skip(level: level), h) ?? h)
      if level < levels - 1 { h = downsample[level](h) }  // [B, C_l, H_l/2, W_l/2]
    }
    h = middleSecond(middleAttention(middleFirst(h, time: t), context: context), time: t)
    h = hook?(.middle, h) ?? h
    for (i, level) in (0..<levels).reversed().enumerated() {
      h = Tensor.concatenate([h, skips[level]], axis: 1)  // [B, C + C_l, H_l, W_l]
      h = up[i](h, time: t)  // [B, C_l, H_l, W_l]
      if let attention = upAttention[i] { h = attention(h, context: context) }
      if level > 0 { h = upsample[i](upsampleNearest(h, factor: 2)) }  // [B, C_l, 2H, 2W]
    }
    return output(outputNorm(h).silu())  // [B, 3, H, W]
  }
  // MARK: end
}

// MARK: book:guidance
/// Classifier-free guidance (Ho and Salimans, 2022): push the conditional prediction
/// away from the unconditional one, ε = ε_uncond + s·(ε_cond − ε_uncond). s = 1 is the
/// plain conditional model; larger s follows the condition more closely.
public func guidedNoise(
  unconditional: Tensor, conditional: Tensor, scale: Float
) -> Tensor {
  unconditional + (conditional - unconditional) * scale
}
// MARK: end
