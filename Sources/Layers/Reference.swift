import Autograd
import Platform

// The slow versions of this module's layers: convolution and attention written as
// their definitions, one output number at a time, in Double. The book shows them
// before the fast versions, and the tests hold the fast versions to them. They return
// plain arrays, row-major in the fast version's output shape.

// MARK: book:convolution-loops
/// Convolution as six nested loops: for every image, output channel and output
/// position, the sum over input channels and kernel positions of input × weight. A
/// position the kernel reaches outside the image (the padding) reads zero.
/// `x` [B, C, H, W], `weight` [O, C, k, k] → [B, O, Ho, Wo].
public func convolveByLoops(
  _ x: Tensor, _ weight: Tensor, stride: Int = 1, padding: Int = 0
) -> [Double] {
  let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (outChannels, k) = (weight.shape[0], weight.shape[2])
  let outHeight = (height + 2 * padding - k) / stride + 1
  let outWidth = (width + 2 * padding - k) / stride + 1
  var output: [Double] = []
  for image in 0..<batch {
    for o in 0..<outChannels {
      for row in 0..<outHeight {
        for column in 0..<outWidth {
          var total = 0.0
          for c in 0..<channels {
            for ky in 0..<k {
              for kx in 0..<k {
                let y = row * stride - padding + ky, x0 = column * stride - padding + kx
                guard (0..<height).contains(y), (0..<width).contains(x0) else { continue }
                total += Double(x[image, c, y, x0]) * Double(weight[o, c, ky, kx])
              }
            }
          }
          output.append(total)
        }
      }
    }
  }
  return output
}
// MARK: end

/// `layer(x)` for one vector, in Double: W·x + b.
public func linearByLoops(_ layer: Linear, _ x: [Double]) -> [Double] {
  let (outputs, inputs) = (layer.weight.shape[0], layer.weight.shape[1])
  return (0..<outputs).map { o in
    (0..<inputs).reduce(Double(layer.bias?[o] ?? 0)) { sum, i in
      sum + Double(layer.weight[o, i]) * x[i]
    }
  }
}

/// e^s / Σ e^s, computed after subtracting the largest score (the same numbers, no
/// overflow).
public func softmaxByLoops(_ scores: [Double]) -> [Double] {
  let largest = scores.max() ?? 0
  let powers = scores.map { exp($0 - largest) }
  let total = powers.reduce(0, +)
  return powers.map { $0 / total }
}

// MARK: book:attention-loops
/// Attention for one query at a time: its score with every key is a dot product
/// scaled by 1/√d (plus the mask), the scores become weights by a softmax, and the
/// weights average the values; each head does this on its own d channels.
/// `x` [B, T, C], `mask` [T, S] or nil → [B, T, C].
public func attentionByLoops(
  _ layer: MultiHeadAttention, _ x: Tensor, mask: Tensor? = nil
) -> [Double] {
  let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
  let (h, d) = (layer.heads, c / layer.heads)
  var output: [Double] = []
  for batch in 0..<b {
    let inputs = (0..<t).map { i in (0..<c).map { Double(x[batch, i, $0]) } }
    let queries = inputs.map { linearByLoops(layer.query, $0) }
    let keys = inputs.map { linearByLoops(layer.key, $0) }
    let values = inputs.map { linearByLoops(layer.value, $0) }
    for i in 0..<t {
      var mixed = [Double](repeating: 0, count: c)
      for head in 0..<h {
        let channels = (head * d)..<((head + 1) * d)
        let scores = (0..<t).map { j in
          let product = channels.reduce(0.0) { $0 + queries[i][$1] * keys[j][$1] }
          return product / Double(d).squareRoot() + Double(mask?[i, j] ?? 0)
        }
        for (j, weight) in softmaxByLoops(scores).enumerated() {
          for channel in channels { mixed[channel] += weight * values[j][channel] }
        }
      }
      output += linearByLoops(layer.output, mixed)
    }
  }
  return output
}
// MARK: end

/// The largest absolute difference between a fast version's output and its loops.
public func largestDifference(_ fast: Tensor, _ slow: [Double]) -> Double {
  zip(fast.data, slow).map { abs(Double($0) - $1) }.max() ?? 0
}

/// "loops vs tensors: max |Δ| 3.1e-7 — OK" (OK below 1e-5).
public func agreement(_ fast: Tensor, _ slow: [Double]) -> String {
  let difference = largestDifference(fast, slow)
  return "loops vs tensors: max |Δ| \(formatted(difference)) — "
    + (difference < 1e-5 ? "OK" : "NOT OK")
}
