import Autograd

// MARK: book:bilinear
/// Bilinear sampling of feature maps at fractional locations, differentiable with
/// respect to both the maps and the locations: the primitive deformable attention and the
/// Multi-Modal Feature Synchronizer are built on.
///
/// `values` is [G, H, W, C]: G independent maps (one per image, level and head, say),
/// channels last so that one tap reads C contiguous numbers. `locations` is [G, Q, 2]:
/// for each map, Q points (x, y) in the map's normalised coordinates, where (0, 0) is
/// the top-left corner of the top-left pixel and (1, 1) the bottom-right corner of the
/// bottom-right pixel. The result is [G, Q, C].
///
/// The semantics are PyTorch's `grid_sample(mode: bilinear, padding: zeros,
/// align_corners: false)`, which MM-Interleaved's kernels follow: pixel coordinates are
/// px = x·W − 0.5 and py = y·H − 0.5 (pixel centres sit at half-integers of the
/// normalised grid), the value is the weighted mean of the four surrounding pixels, and a
/// neighbour outside the map contributes zero, so values fade out within half a pixel
/// beyond the border.
public func bilinearSample(_ values: Tensor, at locations: Tensor) -> Tensor {
  let what = "bilinearSample(\(values.shape), at: \(locations.shape))"
  require(
    values.rank == 4 && locations.rank == 3 && locations.shape[2] == 2
      && locations.shape[0] == values.shape[0],
    "\(what)", "needs values [G, H, W, C] and locations [G, Q, 2]")
  let (groups, height, width, channels) =
    (values.shape[0], values.shape[1], values.shape[2], values.shape[3])
  let queries = locations.shape[1]
  let taps = BilinearTaps.all(locations.data, height: height, width: width)
  let output = uninitializedArray(groups * queries * channels) { out in
    values.data.withUnsafeBufferPointer { v in
      for g in 0..<groups {
        let map = v.baseAddress! + g * height * width * channels
        for q in 0..<queries {
          let target = out.baseAddress! + (g * queries + q) * channels
          target.update(repeating: 0, count: channels)
          let t = taps[g * queries + q]
          for k in 0..<4 {
            let (x, y, weight) = t.tap(k)
            guard weight != 0 && t.inside(x, y) else { continue }
            let source = map + (y * width + x) * channels
            for c in 0..<channels { target[c] += weight * source[c] }
          }
        }
      }
    }
  }
  let valueData = values.data
  return Tensor(
    shape: [groups, queries, channels], data: output,
    inputs: [values, locations], operation: "bilinearSample"
  // MARK: end
  // MARK: book:bilinear-backward
  ) { gradient in
    if values.requiresGrad {
      var dValues = [Float](repeating: 0, count: values.count)
      dValues.withUnsafeMutableBufferPointer { dv in
        gradient.withUnsafeBufferPointer { g in
          for group in 0..<groups {
            let map = dv.baseAddress! + group * height * width * channels
            for q in 0..<queries {
              let dOut = g.baseAddress! + (group * queries + q) * channels
              let t = taps[group * queries + q]
              for k in 0..<4 {
                let (x, y, weight) = t.tap(k)
                guard weight != 0 && t.inside(x, y) else { continue }
                let target = map + (y * width + x) * channels
                for c in 0..<channels { target[c] += weight * dOut[c] }
              }
            }
          }
        }
      }
      values.accumulateGrad(dValues)
    }
    if locations.requiresGrad {
      var dLocations = [Float](repeating: 0, count: locations.count)
      valueData.withUnsafeBufferPointer { v in
        gradient.withUnsafeBufferPointer { g in
          for group in 0..<groups {
            let map = v.baseAddress! + group * height * width * channels
            for q in 0..<queries {
              let dOut = g.baseAddress! + (group * queries + q) * channels
              let (dx, dy) = taps[group * queries + q].locationGradient(
                map, dOut, width: width, height: height, channels: channels)
              dLocations[(group * queries + q) * 2] = dx
              dLocations[(group * queries + q) * 2 + 1] = dy
            }
          }
        }
      }
      locations.accumulateGrad(dLocations)
    }
  }
}
// MARK: end

/// The four pixels around one sampling location and their weights.
struct BilinearTaps {
  let x0: Int, y0: Int
  let fx: Float, fy: Float  // fractional parts lx, ly
  let height: Int, width: Int

  init(x: Float, y: Float, height: Int, width: Int) {
    let px = x * Float(width) - 0.5, py = y * Float(height) - 0.5
    let fx0 = px.rounded(.down), fy0 = py.rounded(.down)
    // Far outside, clamp before converting so the integer stays small.
    x0 = Int(max(min(fx0, Float(width) + 1), -2))
    y0 = Int(max(min(fy0, Float(height) + 1), -2))
    fx = px - fx0
    fy = py - fy0
    self.height = height
    self.width = width
  }

  static func all(_ locations: [Float], height: Int, width: Int) -> [BilinearTaps] {
    (0..<locations.count / 2).map {
      BilinearTaps(
        x: locations[2 * $0], y: locations[2 * $0 + 1], height: height,
        width: width)
    }
  }

  func inside(_ x: Int, _ y: Int) -> Bool { x >= 0 && x < width && y >= 0 && y < height }

  /// Tap k of four (top-left, top-right, bottom-left, bottom-right) and its weight.
  /// Callers skip taps outside the map: those contribute zero.
  @inline(__always)
  func tap(_ k: Int) -> (x: Int, y: Int, weight: Float) {
    let right = k & 1, down = k >> 1
    let wx = right == 1 ? fx : 1 - fx, wy = down == 1 ? fy : 1 - fy
    return (x0 + right, y0 + down, wx * wy)
  }

  /// d(Σ_c dOut[c]·sample[c]) / d(x, y) in normalised coordinates: the derivative of the
  /// interpolation along each axis (differences of neighbouring pixels, outside pixels
  /// counting as zero), times W or H for the change of units.
  func locationGradient(
    _ map: UnsafePointer<Float>, _ dOut: UnsafePointer<Float>, width: Int, height: Int,
    channels: Int
  ) -> (Float, Float) {
    func value(_ x: Int, _ y: Int, _ c: Int) -> Float {
      inside(x, y) ? map[(y * width + x) * channels + c] : 0
    }
    var dx: Float = 0, dy: Float = 0
    for c in 0..<channels {
      let v00 = value(x0, y0, c), v10 = value(x0 + 1, y0, c)
      let v01 = value(x0, y0 + 1, c), v11 = value(x0 + 1, y0 + 1, c)
      dx += dOut[c] * ((1 - fy) * (v10 - v00) + fy * (v11 - v01))
      dy += dOut[c] * ((1 - fx) * (v01 - v00) + fx * (v11 - v10))
    }
    return (dx * Float(width), dy * Float(height))
  }
}
