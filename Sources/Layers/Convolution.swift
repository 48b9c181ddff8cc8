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
  uninitializedArray(g.patchSize * g.positions) { columns in
    x.withUnsafeBufferPointer {
      unfoldPatches($0.baseAddress!, g, into: columns.baseAddress!)
    }
  }
}

/// The same on raw memory: `x` holds g.batch images, `columns` room for the matrix.
public func unfoldPatches(
  _ x: UnsafePointer<Float>, _ g: ConvolutionGeometry,
  into columns: UnsafeMutablePointer<Float>
) {
  let wo = g.outWidth
  forEachPatchRun(g) { run, source, inside in
    let out = columns + run
    guard let source else {  // the whole run reads the padding
      out.update(repeating: 0, count: wo)
      return
    }
    out.update(repeating: 0, count: inside.lowerBound)
    if g.stride == 1 {  // a contiguous run: one memory copy
      let first = inside.lowerBound
      (out + first).update(from: x + source + first, count: inside.count)
    } else {
      for ox in inside { out[ox] = x[source + ox * g.stride] }
    }
    (out + inside.upperBound).update(repeating: 0, count: wo - inside.upperBound)
  }
}

// MARK: end
// MARK: book:unfold-runs
/// Visits every run of the unfolded matrix (one output row of one kernel tap of one
/// image): where it starts in the matrix, where in `x` the pixel under output column 0
/// would be (nil when the whole row lies in the padding), and the output columns that
/// fall inside the image.
@inline(__always)
func forEachPatchRun(
  _ g: ConvolutionGeometry,
  _ body: (_ run: Int, _ source: Int?, _ inside: Range<Int>) -> Void
) {
  for c in 0..<g.channels {
    for ky in 0..<g.kernel {
      for kx in 0..<g.kernel {
        let inside = g.columnsInside(kernelColumn: kx)
        let row = (c * g.kernel + ky) * g.kernel + kx
        var run = row * g.positions  // where this tap's row of the matrix begins
        for b in 0..<g.batch {
          let plane = (b * g.channels + c) * g.height * g.width
          for oy in 0..<g.outHeight {
            let y = oy * g.stride - g.padding + ky
            let inImage = y >= 0 && y < g.height
            body(run, inImage ? plane + y * g.width - g.padding + kx : nil, inside)
            run += g.outWidth
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
  x.withUnsafeMutableBufferPointer { x in
    columns.withUnsafeBufferPointer {
      foldPatches($0.baseAddress!, g, into: x.baseAddress!)
    }
  }
  return x
}

/// The same on raw memory, adding into `x` (g.batch images).
public func foldPatches(
  _ columns: UnsafePointer<Float>, _ g: ConvolutionGeometry,
  into x: UnsafeMutablePointer<Float>
) {
  forEachPatchRun(g) { run, target, inside in
    guard let target else { return }
    let column = columns + run
    if g.stride == 1 {  // contiguous: a loop the compiler vectorises
      let pixels = x + target
      for ox in inside { pixels[ox] += column[ox] }
    } else {
      for ox in inside { x[target + ox * g.stride] += column[ox] }
    }
  }
}

// MARK: book:convolve
/// 2-D convolution of [B, C, H, W] with a [O, C, k, k] kernel, stride and zero padding:
/// for each image, im2col and one BLAS product.
///
/// Forward, per image: Y_b = W·cols_b, [O, Ho·Wo], already in the output's layout.
/// Backward, per image: dW += dY_b·cols_bᵀ, dcols_b = Wᵀ·dY_b, dx_b = col2im(dcols_b).
/// One image at a time keeps the unfolded matrix small (a whole batch of 32² maps
/// would be tens of MB, slower to write and read than the product is to compute), and
/// backward unfolds again rather than keeping every image's columns alive. A bias
/// ([O], optional) is added to each image's rows while they are still in cache: the
/// same sums as adding it afterwards, without another pass over the output.
public func convolve(
  _ x: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0
) -> Tensor {
  let what = "convolve(\(x.shape), kernel \(weight.shape))"
  require(
    x.rank == 4 && weight.rank == 4, "\(what)", "needs [B, C, H, W] and [O, C, k, k]")
  require(
    weight.shape[1] == x.shape[1] && weight.shape[2] == weight.shape[3],
    "\(what)", "kernel must be [O, \(x.shape[1]), k, k]")
  let (batch, outChannels) = (x.shape[0], weight.shape[0])
  require(bias.map { $0.shape == [outChannels] } ?? true, "\(what)",
    "bias must be [\(outChannels)], got \(bias.map { describe($0.shape) } ?? "")")
  let g = ConvolutionGeometry(  // one image
    batch: 1, channels: x.shape[1], height: x.shape[2], width: x.shape[3],
    kernel: weight.shape[2], stride: stride, padding: padding)
  require(g.outHeight > 0 && g.outWidth > 0, "\(what)",
    "a \(weight.shape[2])×\(weight.shape[3]) kernel does not fit the padded input")
  let (inSize, outSize) = (x.count / max(batch, 1), outChannels * g.positions)
  let imageWork = outSize * g.patchSize  // multiply–adds per image
  let biasData = bias?.data
  let output = uninitializedArray(batch * outSize) { y in  // [B, O, P]
    x.data.withUnsafeBufferPointer { x in
      weight.data.withUnsafeBufferPointer { w in
        // Images are independent: a share of them per worker, each with its own
        // unfolded matrix, reused image after image (unfolding writes every entry).
        Parallel.forEachShare(of: batch, workPerItem: imageWork) { images in
          var columns = uninitializedArray(g.patchSize * g.positions) { _ in }
          columns.withUnsafeMutableBufferPointer { c in  // [C·k·k, P]
            for b in images {
              unfoldPatches(x.baseAddress! + b * inSize, g, into: c.baseAddress!)
              let image = y.baseAddress! + b * outSize  // [O, P]
              BLAS.multiply(
                m: outChannels, n: g.positions, k: g.patchSize, w.baseAddress!,
                c.baseAddress!, into: image)
              if let biasData { addPerRow(biasData, to: image, width: g.positions) }
            }
          }
        }
      }
    }
  }
  let (xData, wData) = (x.data, weight.data)
  return Tensor(
    shape: [batch, outChannels, g.outHeight, g.outWidth], data: output,
    inputs: [x, weight] + (bias.map { [$0] } ?? []), operation: "convolve"
  // MARK: end
  // MARK: book:convolve-backward
  ) { gradient in
    let (needsDx, needsDWeight) = (x.requiresGrad, weight.requiresGrad)
    let needsDBias = bias?.requiresGrad ?? false
    var dx = [Float](repeating: 0, count: x.requiresGrad ? x.count : 0)
    // Each worker sums its images' kernel and bias gradients into a slice of its own,
    // [dW | db]; the slices are added in order at the end (one worker: one slice).
    let shares = Swift.min(Parallel.workers, batch)
    let slice = (needsDWeight ? weight.count : 0) + (needsDBias ? outChannels : 0)
    var partials = [Float](repeating: 0, count: shares * slice)
    gradient.withUnsafeBufferPointer { dy in
      xData.withUnsafeBufferPointer { x in
        wData.withUnsafeBufferPointer { w in
          dx.withUnsafeMutableBufferPointer { dx in
            partials.withUnsafeMutableBufferPointer { partials in
              Parallel.forEachNumberedShare(of: batch, workPerItem: 2 * imageWork) {
                share, images in
                let dw = partials.baseAddress! + share * slice
                let db = dw + (needsDWeight ? weight.count : 0)
                let size = g.patchSize * g.positions
                var columns = uninitializedArray(needsDWeight ? size : 0) { _ in }
                var dColumns = uninitializedArray(needsDx ? size : 0) { _ in }
                for b in images {
                  let dyImage = dy.baseAddress! + b * outSize  // [O, P]
                  if needsDBias { sumRows(dyImage, outChannels, g.positions, into: db) }
                  if needsDWeight {
                    columns.withUnsafeMutableBufferPointer { c in
                      let image = x.baseAddress! + b * inSize
                      unfoldPatches(image, g, into: c.baseAddress!)
                      BLAS.multiply(
                        transposingB: true, m: outChannels, n: g.patchSize,
                        k: g.positions, dyImage, c.baseAddress!, into: dw,
                        beta: b == images.lowerBound ? 0 : 1)
                    }
                  }
                  if needsDx {
                    dColumns.withUnsafeMutableBufferPointer { dc in
                      BLAS.multiply(
                        transposingA: true, m: g.patchSize, n: g.positions,
                        k: outChannels, w.baseAddress!, dyImage, into: dc.baseAddress!)
                      let image = dx.baseAddress! + b * inSize
                      foldPatches(dc.baseAddress!, g, into: image)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    var total = Array(partials.prefix(slice))  // [dW | db]
    for share in 1..<Swift.max(shares, 1) {
      for i in 0..<slice { total[i] += partials[share * slice + i] }
    }
    if needsDWeight { weight.accumulateGrad(Array(total.prefix(weight.count))) }
    if needsDBias { bias!.accumulateGrad(Array(total.suffix(outChannels))) }
    if needsDx { x.accumulateGrad(dx) }
  }
}
// MARK: end

/// rows[o, p] += bias[o] for each of bias.count rows of `width` entries.
@inline(__always)
private func addPerRow(
  _ bias: [Float], to rows: UnsafeMutablePointer<Float>, width: Int
) {
  for o in bias.indices {
    let (row, value) = (rows + o * width, bias[o])
    for p in 0..<width { row[p] += value }
  }
}

/// totals[o] += Σ_p rows[o, p] for `count` rows of `width`, each row summed in order
/// first (as broadcasting's backward sums a bias's gradient: the same numbers).
@inline(__always)
private func sumRows(
  _ rows: UnsafePointer<Float>, _ count: Int, _ width: Int,
  into totals: UnsafeMutablePointer<Float>
) {
  for o in 0..<count {
    var total: Float = 0
    for p in 0..<width { total += rows[o * width + p] }
    totals[o] += total
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
    convolve(x, weight, bias: bias, stride: stride, padding: padding)  // [B, O, Ho, Wo]
  }
}

/// Nearest-neighbour upsampling by an integer factor: [B, C, H, W] → [B, C, fH, fW].
/// Each input pixel is copied to an f×f block; backward sums the block's gradients.
/// Followed by a convolution it is the U-Net's learned upsampling (it avoids the
/// checkerboard artefacts of transposed convolutions).
public func upsampleNearest(_ x: Tensor, factor: Int) -> Tensor {
  require(x.rank == 4, "upsampleNearest", "needs [B, C, H, W], got \(x.shape)")
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
  require(
    x.rank == 4 && x.shape[2] % factor == 0 && x.shape[3] % factor == 0,
    "averagePool", "needs [B, C, H, W] with H and W divisible by \(factor), "
      + "got \(x.shape)")
  let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  return x.reshaped([b, c, h / factor, factor, w / factor, factor])
    .mean(axes: [3, 5])  // [B, C, H/f, W/f]
}
