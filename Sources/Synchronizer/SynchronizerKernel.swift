import Autograd
import Platform

// MARK: book:mmfs-read-fused
/// The Synchronizer's read as one operation: sample every point of every visible image
/// at every level, weight it, and sum, writing each token's heads side by side. The
/// composed version (`bilinearSample`, a product, a sum, and the permutes between them)
/// computes the same numbers but materialises every sample, [B, N, h, T, P, d] per
/// level, and copies the operands into the layouts those steps want; this one reads
/// the operands where the layers leave them and keeps one running sum per head.
///
/// - `values`: one tensor per level, [B, N, H_l, W_l, h·d], the value projection's
///   output (each pixel's heads side by side, so one tap reads d contiguous numbers).
/// - `locations`: [B, T, N, h, P, 2], points (x, y) in the unit square, shared by the
///   levels (the sampling offsets' output plus the reference point).
/// - `weights`: [B, T, h, N, L, P + 1], the softmax's output; the last slot of each
///   level is the null slot, whose value is zero, so it is read by no one.
/// - `visible`: [B, T, N]. An image a token may not see has weight exactly zero (its
///   logits are pushed down by 10⁴ before the softmax), so it is skipped; its
///   weights' gradient is set to zero, which is what the softmax would multiply it
///   down to anyway.
///
/// Returns [B, T, h·d]: o_th = Σ_{j, l, p} a_thjlp · bilinear(V_jlh, x_tjhp).
public func synchronizerRead(
  values: [Tensor], locations: Tensor, weights: Tensor, visible: [Bool], heads: Int
) -> Tensor {
  let shape = SynchronizerReadShape(
    values: values, locations: locations, weights: weights, visible: visible,
    heads: heads)
  let output = uninitializedArray(shape.batch * shape.tokens * shape.width) { out in
    out.initialize(repeating: 0)
    withPointers(values.map(\.data)) { maps in
      locations.data.withUnsafeBufferPointer { xy in
        weights.data.withUnsafeBufferPointer { a in
          shape.forEachRead(visible) { read in  // sequences split across workers
            let (x, y) = (xy[read.location], xy[read.location + 1])
            let taps = BilinearTaps(
              x: x, y: y, height: read.height, width: read.width)
            let weight = a[read.weight]
            guard weight != 0 else { return }
            let target = out.baseAddress! + read.output
            let map = maps[read.level] + read.map
            for k in 0..<4 {
              let (column, row, tapWeight) = taps.tap(k)
              guard tapWeight != 0 && taps.inside(column, row) else { continue }
              let source = map + (row * read.width + column) * shape.width
              addScaled(source, weight * tapWeight, to: target, count: shape.depth)
            }
          }
        }
      }
    }
  }
  // MARK: end
  let valueData = values.map(\.data)
  return Tensor(
    shape: [shape.batch, shape.tokens, shape.width], data: output,
    inputs: values + [locations, weights], operation: "synchronizerRead"
  ) { gradient in
    // One buffer for every level's value gradients, cut apart at the end.
    let valueStarts = values.reduce(into: [0]) { $0.append($0.last! + $1.count) }
    var dValues = [Float](repeating: 0, count: valueStarts.last!)
    var dLocations = [Float](repeating: 0, count: locations.count)
    var dWeights = [Float](repeating: 0, count: weights.count)
    let zeroRow = [Float](repeating: 0, count: shape.depth)
    withPointers(valueData + [zeroRow]) { pointers in
      let (maps, zeros) = (Array(pointers.dropLast()), pointers.last!)
      dValues.withUnsafeMutableBufferPointer { dMapsBuffer in
        dLocations.withUnsafeMutableBufferPointer { dxy in
          dWeights.withUnsafeMutableBufferPointer { da in
            locations.data.withUnsafeBufferPointer { xy in
              weights.data.withUnsafeBufferPointer { a in
                gradient.withUnsafeBufferPointer { g in
                  let dMaps = valueStarts.map { dMapsBuffer.baseAddress! + $0 }
                  shape.forEachRead(visible) { read in
                    let taps = BilinearTaps(
                      x: xy[read.location], y: xy[read.location + 1],
                      height: read.height, width: read.width)
                    // The four taps' dot products with the output's gradient give
                    // the weight's gradient and, through the interpolation's slopes,
                    // the location's; the taps receive weight · tap · gradient.
                    let dOut = g.baseAddress! + read.output
                    let weight = a[read.weight]
                    // The taps' pixels (a row of zeros for a tap outside the map).
                    func pixel(_ k: Int) -> Int? {
                      let (column, row, _) = taps.tap(k)
                      guard taps.inside(column, row) else { return nil }
                      return read.map + (row * read.width + column) * shape.width
                    }
                    let pixels = (pixel(0), pixel(1), pixel(2), pixel(3))
                    let map = maps[read.level]
                    let v0 = pixels.0.map { map + $0 } ?? zeros
                    let v1 = pixels.1.map { map + $0 } ?? zeros
                    let v2 = pixels.2.map { map + $0 } ?? zeros
                    let v3 = pixels.3.map { map + $0 } ?? zeros
                    // Four dot products in one pass: four independent sums, each in
                    // channel order.
                    var dots: (Float, Float, Float, Float) = (0, 0, 0, 0)
                    for c in 0..<shape.depth {
                      let gradient = dOut[c]
                      dots.0 += gradient * v0[c]
                      dots.1 += gradient * v1[c]
                      dots.2 += gradient * v2[c]
                      dots.3 += gradient * v3[c]
                    }
                    let dMap = dMaps[read.level]
                    func scatter(_ k: Int, _ pixel: Int?) {
                      guard let pixel else { return }
                      let scale = weight * taps.tap(k).weight
                      addScaled(dOut, scale, to: dMap + pixel, count: shape.depth)
                    }
                    scatter(0, pixels.0)
                    scatter(1, pixels.1)
                    scatter(2, pixels.2)
                    scatter(3, pixels.3)
                    let (fx, fy) = (taps.fx, taps.fy)
                    da[read.weight] =
                      (1 - fy) * ((1 - fx) * dots.0 + fx * dots.1)
                      + fy * ((1 - fx) * dots.2 + fx * dots.3)
                    // px = x·W − 0.5, so d/dx = W · d/dpx (and likewise for y).
                    dxy[read.location] +=
                      weight * Float(read.width)
                      * ((1 - fy) * (dots.1 - dots.0) + fy * (dots.3 - dots.2))
                    dxy[read.location + 1] +=
                      weight * Float(read.height)
                      * ((1 - fx) * (dots.2 - dots.0) + fx * (dots.3 - dots.1))
                  }
                }
              }
            }
          }
        }
      }
    }
    for (level, value) in values.enumerated() where value.requiresGrad {
      value.accumulateGrad(Array(dValues[valueStarts[level]..<valueStarts[level + 1]]))
    }
    if locations.requiresGrad { locations.accumulateGrad(dLocations) }
    if weights.requiresGrad { weights.accumulateGrad(dWeights) }
  }
}

// MARK: book:mmfs-read-composed
/// The same read as `synchronizerRead`, composed of the engine's operations: per level,
/// split the values by head, sample them at every location, weight the samples and sum
/// over images and points; then join the heads. Every sample is materialised,
/// [B, N, h, T, P, d] per level, and each permute copies its operand. It is the
/// definition the fused kernel is tested against.
public func composedSynchronizerRead(
  values: [Tensor], locations: Tensor, weights: Tensor, heads h: Int
) -> Tensor {
  let (b, t, n, p) =
    (locations.shape[0], locations.shape[1], locations.shape[2], locations.shape[4])
  let d = values[0].shape[4] / h
  var combined: Tensor? = nil  // [B, h, T, d]
  let groupedLocations = locations.permuted([0, 2, 3, 1, 4, 5])  // [B, N, h, T, P, 2]
    .reshaped([b * n * h, t * p, 2])
  for (level, value) in values.enumerated() {
    let (height, width) = (value.shape[2], value.shape[3])
    let grouped = value.reshaped([b, n, height, width, h, d])
      .permuted([0, 1, 4, 2, 3, 5])
      .reshaped([b * n * h, height, width, d])  // [B·N·h, H, W, d]
    let samples = bilinearSample(grouped, at: groupedLocations)
      .reshaped([b, n, h, t, p, d])  // [B, N, h, T, P, d]
    let levelWeights = weights.sliced(axis: 4, level..<(level + 1))
      .sliced(axis: 5, 0..<p).reshaped([b, t, h, n, p])
      .permuted([0, 3, 2, 1, 4]).reshaped([b, n, h, t, p, 1])  // [B, N, h, T, P, 1]
    let contribution = (samples * levelWeights).sum(axes: [1, 4])  // [B, h, T, d]
    combined = combined.map { $0 + contribution } ?? contribution
  }
  return combined!.permuted([0, 2, 1, 3]).reshaped([b, t, h * d])  // [B, T, h·d]
}
// MARK: end

/// MMFS's attention weights as one operation: per (token, head), gather the logits of
/// every image, level and point (pushed down by 10⁴ for an image the token may not
/// see), put the null slot's fixed logit −log(N·L) in each level's last place, and take
/// one softmax over the row, written straight into the [B, T, h, N, L, P + 1] layout the
/// read wants. The composed version (a slice, the mask, a concatenation, a permute and
/// a softmax, each a pass over memory and a node of the graph) gives the same numbers.
///
/// `logits`: [B, T, N, h, L, P + 1], the attention-logit projection's output, whose
/// last slot per level is not used (the null slot's logit is fixed); it gets no
/// gradient. `visible`: [B, T, N].
public func synchronizerWeights(_ logits: Tensor, visible: [Bool]) -> Tensor {
  require(
    logits.rank == 6 && visible.count == logits.shape[0] * logits.shape[1]
      * logits.shape[2], "synchronizerWeights",
    "needs logits [B, T, N, h, L, P + 1] and B·T·N visibility flags, got "
      + "\(logits.shape) and \(visible.count)")
  let s = logits.shape
  let (b, t, n, h, l, slots) = (s[0], s[1], s[2], s[3], s[4], s[5])
  let row = n * l * slots  // one softmax: images × levels × (points + null)
  let null = -logf(Float(n * l))
  let hidden: Float = -10_000  // upstream's additive mask for invisible images
  // Where slot (j, level, slot) of row (token, head) sits in `logits`.
  func source(_ token: Int, _ head: Int, _ j: Int, _ level: Int) -> Int {
    (((token * n + j) * h + head) * l + level) * slots
  }
  let output = uninitializedArray(b * t * h * row) { weights in
    logits.data.withUnsafeBufferPointer { x in
      Parallel.forEach(b * t, workPerItem: h * row * 8) { token in
        for head in 0..<h {
          let target = weights.baseAddress! + (token * h + head) * row
          for j in 0..<n {
            let mask = visible[token * n + j] ? 0 : hidden
            for level in 0..<l {
              let from = source(token, head, j, level)
              let to = target + (j * l + level) * slots
              for slot in 0..<(slots - 1) { to[slot] = x[from + slot] + mask }
              to[slots - 1] = null
            }
          }
          softmaxInPlace(target, count: row)
        }
      }
    }
  }
  return Tensor(
    shape: [b, t, h, n, l, slots], data: output, inputs: [logits],
    operation: "synchronizerWeights"
  ) { gradient in
    var dLogits = [Float](repeating: 0, count: logits.count)
    gradient.withUnsafeBufferPointer { g in
      output.withUnsafeBufferPointer { y in
        dLogits.withUnsafeMutableBufferPointer { dx in
          Parallel.forEachShare(of: b * t, workPerItem: h * row * 4) { tokens in
            var dRow = [Float](repeating: 0, count: row)  // one row's gradient
            dRow.withUnsafeMutableBufferPointer { dRow in
              for token in tokens {
                for head in 0..<h {
                  let start = (token * h + head) * row
                  softmaxBackward(
                    output: y.baseAddress! + start, gradient: g.baseAddress! + start,
                    into: dRow.baseAddress!, count: row)
                  // Back to the logits' layout; the null slots' logits are fixed.
                  for j in 0..<n {
                    for level in 0..<l {
                      let from = (j * l + level) * slots
                      let to = source(token, head, j, level)
                      for slot in 0..<(slots - 1) { dx[to + slot] = dRow[from + slot] }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    logits.accumulateGrad(dLogits)
  }
}

// MARK: book:mmfs-weights-composed
/// The same weights composed of the engine's operations: the definition the fused
/// `synchronizerWeights` is tested against.
public func composedSynchronizerWeights(_ logits: Tensor, visible: [Bool]) -> Tensor {
  let s = logits.shape
  let (b, t, n, h, l, p) = (s[0], s[1], s[2], s[3], s[4], s[5] - 1)
  let hidden: Float = -10_000  // upstream's additive mask for invisible images
  let maskValues = visible.map { $0 ? Float(0) : hidden }
  let masked =
    logits.sliced(axis: 5, 0..<p)  // [B, T, N, h, L, P]
    + Tensor(shape: [b, t, n, 1, 1, 1], data: maskValues)
  let null = Tensor.full([b, t, n, h, l, 1], -logf(Float(n * l)))
  let allLogits = Tensor.concatenate([masked, null], axis: 5)  // [B, T, N, h, L, P+1]
  return allLogits.permuted([0, 1, 3, 2, 4, 5])  // [B, T, h, N, L, P+1]
    .reshaped([b, t, h, n * l * (p + 1)]).softmax()
    .reshaped([b, t, h, n, l, p + 1])
}
// MARK: end

/// The sizes of one `synchronizerRead`, checked against its operands, and the walk
/// over every read it makes: (batch, token, head, visible image, level, point).
struct SynchronizerReadShape {
  let batch: Int, tokens: Int, images: Int, heads: Int, levels: Int, points: Int
  let depth: Int  // d, channels per head
  var width: Int { heads * depth }
  let sides: [(height: Int, width: Int)]

  init(
    values: [Tensor], locations: Tensor, weights: Tensor, visible: [Bool], heads: Int
  ) {
    let what = "synchronizerRead"
    require(
      !values.isEmpty && values.allSatisfy { $0.rank == 5 } && locations.rank == 6
        && weights.rank == 6, what,
      "needs values L × [B, N, H, W, h·d], locations [B, T, N, h, P, 2] and weights "
        + "[B, T, h, N, L, P + 1], got \(values.map(\.shape)), \(locations.shape) "
        + "and \(weights.shape)")
    let (b, t, n) = (locations.shape[0], locations.shape[1], locations.shape[2])
    let (l, p) = (values.count, locations.shape[4])
    let width = values[0].shape[4]
    require(
      heads > 0 && width % heads == 0 && locations.shape[3] == heads
        && locations.shape[5] == 2, what,
      "locations \(locations.shape) must be [B, T, N, h = \(heads), P, 2] and the "
        + "values' \(width) channels must split into \(heads) heads")
    require(
      weights.shape == [b, t, heads, n, l, p + 1], what,
      "weights must be [B, T, h, N, L, P + 1] = \([b, t, heads, n, l, p + 1]), "
        + "got \(weights.shape)")
    for value in values {
      require(
        value.shape[0] == b && value.shape[1] == n && value.shape[4] == width, what,
        "each level's values must be [B, N, H, W, h·d] = [\(b), \(n), H, W, \(width)], "
          + "got \(value.shape)")
    }
    require(
      visible.count == b * t * n, what, "visibility needs \(b)×\(t)×\(n) flags")
    (batch, tokens, images, levels, points) = (b, t, n, l, p)
    self.heads = heads
    depth = width / heads
    sides = values.map { ($0.shape[2], $0.shape[3]) }
  }

  /// Where one read takes its operands and puts its result (offsets in floats).
  struct Read {
    var location: Int  // (x, y) in `locations`
    var weight: Int  // its weight in `weights`
    var level: Int
    var map: Int  // the start of image j's head h in this level's values
    var height: Int, width: Int
    var output: Int  // head h of token t in the output
  }

  /// Calls `body` for every read of a visible image, token by token, the sequences
  /// shared among the workers: a sequence's reads touch only its own outputs, its own
  /// images' values and its own tokens' locations and weights, so shares never meet.
  @inline(__always)
  func forEachRead(_ visible: [Bool], _ body: (Read) -> Void) {
    let (n, h, l, p) = (images, heads, levels, points)
    let readsPerSequence = tokens * h * n * l * p * depth
    Parallel.forEach(batch, workPerItem: readsPerSequence) { b in
      for t in 0..<tokens {
        let token = b * tokens + t
        for head in 0..<h {
          for j in 0..<n where visible[token * n + j] {
            for level in 0..<l {
              let (height, width) = sides[level]
              let map = (b * n + j) * height * width * self.width + head * depth
              for point in 0..<p {
                body(
                  Read(
                    location: (((token * n + j) * h + head) * p + point) * 2,
                    weight: (((token * h + head) * n + j) * l + level) * (p + 1) + point,
                    level: level, map: map, height: height, width: width,
                    output: token * self.width + head * depth))
              }
            }
          }
        }
      }
    }
  }
}

/// Base addresses of several arrays at once, valid inside `body`.
func withPointers<R>(
  _ arrays: [[Float]], _ body: ([UnsafePointer<Float>]) -> R
) -> R {
  var pointers: [UnsafePointer<Float>] = []
  func descend(_ index: Int) -> R {
    guard index < arrays.count else { return body(pointers) }
    return arrays[index].withUnsafeBufferPointer {
      pointers.append($0.baseAddress!)
      return descend(index + 1)
    }
  }
  return descend(0)
}

/// target[c] += scale · source[c] for c in 0..<count, eight at a time: explicit
/// vector code, which the compiler cannot derive itself (it must assume the two
/// pointers may overlap). Each element gets the same product and sum as one at a time.
@inline(__always)
func addScaled(
  _ source: UnsafePointer<Float>, _ scale: Float, to target: UnsafeMutablePointer<Float>,
  count: Int
) {
  var c = 0
  let factor = SIMD8<Float>(repeating: scale)
  while c + 8 <= count {
    let from = UnsafeRawPointer(source + c).loadUnaligned(as: SIMD8<Float>.self)
    let to = UnsafeMutableRawPointer(target + c)
    to.storeBytes(of: to.loadUnaligned(as: SIMD8<Float>.self) + factor * from,
                  as: SIMD8<Float>.self)
    c += 8
  }
  while c < count {
    target[c] += scale * source[c]
    c += 1
  }
}
