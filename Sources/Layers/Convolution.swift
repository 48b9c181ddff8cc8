import Autograd

/// The sizes of one 2-D convolution over [B, C, H, W] images.
public struct ConvolutionGeometry: Sendable, Equatable {
  public let batch: Int, channels: Int, height: Int, width: Int
  public let kernel: Int, stride: Int, padding: Int
  public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
  public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
  /// Rows of the unfolded input: one per (channel, kernel row, kernel column).
  public var patchSize: Int { channels * kernel * kernel }
  /// Columns of the unfolded input: one per (image, output pixel).
  public var positions: Int { batch * outHeight * outWidth }

  /// The output columns `ox` whose input column ox·stride − padding + kx lies inside
  /// the image; the others read the zero padding.
  public func columnsInside(kernelColumn kx: Int) -> Range<Int> {
    let firstOffset = padding - kx  // ox·stride ≥ padding − kx
    let low = firstOffset > 0 ? (firstOffset + stride - 1) / stride : 0
    let lastOffset = width - 1 + padding - kx  // ox·stride ≤ width − 1 + padding − kx
    let high = lastOffset < 0 ? 0 : min(outWidth, lastOffset / stride + 1)
    return min(low, high)..<high
  }

  public init(
    batch: Int, channels: Int, height: Int, width: Int, kernel: Int, stride: Int = 1,
    padding: Int = 0
  ) {
    self.batch = batch
    self.channels = channels
    self.height = height
    self.width = width
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
  }
}

// MARK: book:unfold
/// im2col: unfolds every kernel-sized patch of `x` ([B, C, H, W]) into a column of a
/// [C·k·k, B·Ho·Wo] matrix, zeros where the patch hangs over the padded border. The
/// convolution then is one matrix product, weight [O, C·k·k] · columns.
///
/// Row (c, ky, kx) of the matrix holds, for every output pixel, the input pixel that
/// the kernel's (ky, kx) tap sees. Along an output row that is a strided run of one
/// input row, with zeros where it falls into the padding, so we copy runs rather than
/// test every pixel.
public func unfoldPatches(_ x: [Float], _ g: ConvolutionGeometry) -> [Float] {
  let (ho, wo) = (g.outHeight, g.outWidth)
  return uninitializedArray(g.patchSize * g.positions) { columns in
    x.withUnsafeBufferPointer { x in
      for c in 0..<g.channels {
        for ky in 0..<g.kernel {
          for kx in 0..<g.kernel {
            let inside = g.columnsInside(kernelColumn: kx)
            let row = (c * g.kernel + ky) * g.kernel + kx
            var start = row * g.positions  // where this output row begins
            for b in 0..<g.batch {
              let plane = (b * g.channels + c) * g.height * g.width
              for oy in 0..<ho {
                let y = oy * g.stride - g.padding + ky
                let out = columns.baseAddress! + start
                start += wo
                guard y >= 0 && y < g.height else {
                  out.update(repeating: 0, count: wo)
                  continue
                }
                out.update(repeating: 0, count: inside.lowerBound)
                let source = plane + y * g.width - g.padding + kx
                if g.stride == 1 {  // a contiguous run: one memory copy
                  let first = inside.lowerBound
                  (out + first).update(from: x.baseAddress! + source + first,
                                       count: inside.count)
                } else {
                  for ox in inside { out[ox] = x[source + ox * g.stride] }
                }
                (out + inside.upperBound).update(
                  repeating: 0, count: wo - inside.upperBound)
              }
            }
          }
        }
      }
    }
  }
}
// MARK: end

/// col2im, the adjoint of `unfoldPatches`: adds every column entry back onto the pixel
/// it was copied from (pixels shared by overlapping patches collect several).
public func foldPatches(_ columns: [Float], _ g: ConvolutionGeometry) -> [Float] {
  var x = [Float](repeating: 0, count: g.batch * g.channels * g.height * g.width)
  let (ho, wo) = (g.outHeight, g.outWidth)
  x.withUnsafeMutableBufferPointer { x in
    columns.withUnsafeBufferPointer { columns in
      for c in 0..<g.channels {
        for ky in 0..<g.kernel {
          for kx in 0..<g.kernel {
            let inside = g.columnsInside(kernelColumn: kx)
            let row = (c * g.kernel + ky) * g.kernel + kx
            var start = row * g.positions
            for b in 0..<g.batch {
              let plane = (b * g.channels + c) * g.height * g.width
              for oy in 0..<ho {
                let y = oy * g.stride - g.padding + ky
                let column = columns.baseAddress! + start
                start += wo
                guard y >= 0 && y < g.height else { continue }
                let target = plane + y * g.width - g.padding + kx
                if g.stride == 1 {  // contiguous: a loop the compiler vectorises
                  let pixels = x.baseAddress! + target
                  for ox in inside { pixels[ox] += column[ox] }
                } else {
                  for ox in inside { x[target + ox * g.stride] += column[ox] }
                }
              }
            }
          }
        }
      }
    }
  }
  return x
}

// MARK: book:convolve
/// 2-D convolution of [B, C, H, W] with a [O, C, k, k] kernel, stride and zero padding:
/// im2col, then one BLAS product for the whole batch.
///
/// Forward: Y' = W·cols ([O, B·Ho·Wo]), reordered to [B, O, Ho, Wo].
/// Backward: dW = dY'·colsᵀ, dcols = Wᵀ·dY', and dx = col2im(dcols).
public func convolve(
  _ x: Tensor, _ weight: Tensor, stride: Int = 1, padding: Int = 0
) -> Tensor {
  let what = "convolve(\(x.shape), kernel \(weight.shape))"
  precondition(
    x.rank == 4 && weight.rank == 4, "\(what): needs [B, C, H, W] and [O, C, k, k]")
  precondition(
    weight.shape[1] == x.shape[1] && weight.shape[2] == weight.shape[3],
    "\(what): kernel must be [O, \(x.shape[1]), k, k]")
  let g = ConvolutionGeometry(
    batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
    kernel: weight.shape[2], stride: stride, padding: padding)
  precondition(g.outHeight > 0 && g.outWidth > 0, "\(what): the kernel does not fit")
  let outChannels = weight.shape[0]
  let pixels = g.outHeight * g.outWidth
  let columns = unfoldPatches(x.data, g)  // [C·k·k, B·Ho·Wo]
  let product = uninitializedArray(outChannels * g.positions) { y in  // [O, B·Ho·Wo]
    weight.data.withUnsafeBufferPointer { w in
      columns.withUnsafeBufferPointer { c in
        BLAS.multiply(
          m: outChannels, n: g.positions, k: g.patchSize,
          w.baseAddress!, c.baseAddress!, into: y.baseAddress!)
      }
    }
  }
  let output = swapLeadingAxes(product, outChannels, g.batch, pixels)  // [B, O, Ho·Wo]
  let wData = weight.data
  return Tensor(
    shape: [g.batch, outChannels, g.outHeight, g.outWidth], data: output,
    inputs: [x, weight], operation: "convolve"
  ) { gradient in
    let dProduct = swapLeadingAxes(gradient, g.batch, outChannels, pixels)  // [O, B·P]
    if weight.requiresGrad {
      let dWeight = uninitializedArray(weight.count) { dw in
        dProduct.withUnsafeBufferPointer { dy in
          columns.withUnsafeBufferPointer { c in
            BLAS.multiply(
              transposingB: true, m: outChannels, n: g.patchSize,
              k: g.positions, dy.baseAddress!, c.baseAddress!,
              into: dw.baseAddress!)
          }
        }
      }
      weight.accumulateGrad(dWeight)
    }
    if x.requiresGrad {
      let dColumns = uninitializedArray(columns.count) { dc in
        wData.withUnsafeBufferPointer { w in
          dProduct.withUnsafeBufferPointer { dy in
            BLAS.multiply(
              transposingA: true, m: g.patchSize, n: g.positions,
              k: outChannels, w.baseAddress!, dy.baseAddress!,
              into: dc.baseAddress!)
          }
        }
      }
      x.accumulateGrad(foldPatches(dColumns, g))
    }
  }
}
// MARK: end

/// Reorders [A, B, P] to [B, A, P] (P contiguous values move as blocks).
func swapLeadingAxes(_ values: [Float], _ a: Int, _ b: Int, _ p: Int) -> [Float] {
  uninitializedArray(values.count) { out in
    values.withUnsafeBufferPointer { v in
      for i in 0..<a {
        for j in 0..<b {
          let source = v.baseAddress! + (i * b + j) * p
          (out.baseAddress! + (j * a + i) * p).update(from: source, count: p)
        }
      }
    }
  }
}

/// A convolution layer: kernel [O, C, k, k] (PyTorch's layout) and a bias per output
/// channel. Kaiming initialisation by default (it is usually followed by a ReLU/SiLU).
public final class Conv2d: Layer {
  public var weight: Tensor  // [O, C, k, k]
  public var bias: Tensor?  // [O]
  public let stride: Int, padding: Int

  public init(
    _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
    bias: Bool = true, initialization: Initialization = .kaimingNormal,
    using generator: inout SeededGenerator
  ) {
    weight = initialization.tensor(
      [outChannels, inChannels, kernel, kernel], fanIn: inChannels * kernel * kernel,
      fanOut: outChannels * kernel * kernel, using: &generator)
    self.bias = bias ? Tensor.zeros([outChannels], requiresGrad: true) : nil
    self.stride = stride
    self.padding = padding
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    let y = convolve(x, weight, stride: stride, padding: padding)  // [B, O, Ho, Wo]
    return bias.map { y + $0.reshaped([$0.count, 1, 1]) } ?? y
  }
}

/// Nearest-neighbour upsampling by an integer factor: [B, C, H, W] → [B, C, fH, fW].
/// Each input pixel is copied to an f×f block; backward sums the block's gradients.
/// Followed by a convolution it is the U-Net's learned upsampling (it avoids the
/// checkerboard artefacts of transposed convolutions).
public func upsampleNearest(_ x: Tensor, factor: Int) -> Tensor {
  precondition(x.rank == 4, "upsampleNearest: needs [B, C, H, W], got \(x.shape)")
  let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
  let (oh, ow) = (h * factor, w * factor)
  let out = uninitializedArray(planes * oh * ow) { o in
    x.data.withUnsafeBufferPointer { v in
      for p in 0..<planes {
        for y in 0..<oh {
          for xx in 0..<ow {
            o[(p * oh + y) * ow + xx] = v[(p * h + y / factor) * w + xx / factor]
          }
        }
      }
    }
  }
  return Tensor(
    shape: [x.shape[0], x.shape[1], oh, ow], data: out, inputs: [x],
    operation: "upsampleNearest"
  ) { g in
    var dx = [Float](repeating: 0, count: x.count)
    for p in 0..<planes {
      for y in 0..<oh {
        for xx in 0..<ow {
          dx[(p * h + y / factor) * w + xx / factor] += g[(p * oh + y) * ow + xx]
        }
      }
    }
    x.accumulateGrad(dx)
  }
}

/// Average pooling over f×f blocks: [B, C, H, W] → [B, C, H/f, W/f], built from
/// reshaping and a mean so that autograd gives the backward.
public func averagePool(_ x: Tensor, factor: Int) -> Tensor {
  precondition(x.rank == 4 && x.shape[2] % factor == 0 && x.shape[3] % factor == 0,
               "averagePool: needs [B, C, H, W] with H and W divisible by \(factor), "
               + "got \(x.shape)")
  let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  return x.reshaped([b, c, h / factor, factor, w / factor, factor])
    .mean(axes: [3, 5])  // [B, C, H/f, W/f]
}
