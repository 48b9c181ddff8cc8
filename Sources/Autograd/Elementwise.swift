#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// MARK: book:add
extension Tensor {
  /// a + b with broadcasting. The gradient reaches each input summed over the axes
  /// along which it was repeated.
  public static func + (a: Tensor, b: Tensor) -> Tensor {
    let shape = broadcastShape(a.shape, b.shape, operation: "+")
    let out = broadcastCombine(a.data, a.shape, b.data, b.shape, into: shape, +)
    return Tensor(shape: shape, data: out, inputs: [a, b], operation: "add") { g in
      a.accumulateGrad(sumToShape(g, from: shape, to: a.shape))
      b.accumulateGrad(sumToShape(g, from: shape, to: b.shape))
    }
  }
}
// MARK: end

extension Tensor {
  public static func - (a: Tensor, b: Tensor) -> Tensor {
    let shape = broadcastShape(a.shape, b.shape, operation: "-")
    let out = broadcastCombine(a.data, a.shape, b.data, b.shape, into: shape, -)
    return Tensor(shape: shape, data: out, inputs: [a, b], operation: "subtract") { g in
      a.accumulateGrad(sumToShape(g, from: shape, to: a.shape))
      if b.requiresGrad {
        b.accumulateGrad(sumToShape(g.map { -$0 }, from: shape, to: b.shape))
      }
    }
  }

  public static func * (a: Tensor, b: Tensor) -> Tensor {
    let shape = broadcastShape(a.shape, b.shape, operation: "*")
    let out = broadcastCombine(a.data, a.shape, b.data, b.shape, into: shape, *)
    let aData = a.data, bData = b.data
    return Tensor(shape: shape, data: out, inputs: [a, b], operation: "multiply") { g in
      if a.requiresGrad {
        let ga = broadcastCombine(g, shape, bData, b.shape, into: shape, *)
        a.accumulateGrad(sumToShape(ga, from: shape, to: a.shape))
      }
      if b.requiresGrad {
        let gb = broadcastCombine(g, shape, aData, a.shape, into: shape, *)
        b.accumulateGrad(sumToShape(gb, from: shape, to: b.shape))
      }
    }
  }

  public static func / (a: Tensor, b: Tensor) -> Tensor {
    let shape = broadcastShape(a.shape, b.shape, operation: "/")
    let out = broadcastCombine(a.data, a.shape, b.data, b.shape, into: shape, /)
    let bData = b.data
    return Tensor(shape: shape, data: out, inputs: [a, b], operation: "divide") { g in
      // d(a/b)/da = 1/b;  d(a/b)/db = −a/b² = −(a/b)/b.
      if a.requiresGrad {
        let ga = broadcastCombine(g, shape, bData, b.shape, into: shape, /)
        a.accumulateGrad(sumToShape(ga, from: shape, to: a.shape))
      }
      if b.requiresGrad {
        let gOut = zip(g, out).map { -$0 * $1 }
        let gb = broadcastCombine(gOut, shape, bData, b.shape, into: shape, /)
        b.accumulateGrad(sumToShape(gb, from: shape, to: b.shape))
      }
    }
  }

  public static prefix func - (x: Tensor) -> Tensor {
    x.map("negate", { -$0 }, derivative: { _, _ in -1 })
  }

  // Mixed tensor–number arithmetic: the number is a constant of shape [].
  public static func + (a: Tensor, b: Float) -> Tensor { a + Tensor(b) }
  public static func + (a: Float, b: Tensor) -> Tensor { Tensor(a) + b }
  public static func - (a: Tensor, b: Float) -> Tensor { a - Tensor(b) }
  public static func - (a: Float, b: Tensor) -> Tensor { Tensor(a) - b }
  public static func * (a: Tensor, b: Float) -> Tensor { a * Tensor(b) }
  public static func * (a: Float, b: Tensor) -> Tensor { Tensor(a) * b }
  public static func / (a: Tensor, b: Float) -> Tensor { a / Tensor(b) }
  public static func / (a: Float, b: Tensor) -> Tensor { Tensor(a) / b }
}

// MARK: book:unary
extension Tensor {
  /// Applies `f` to every element. `derivative(x, y)` gives dy/dx from the input x and
  /// the output y = f(x) (for eˣ or tanh the output is the cheaper one to use).
  @inline(__always)
  public func map(
    _ operation: StaticString, _ f: (Float) -> Float,
    derivative: @escaping (_ x: Float, _ y: Float) -> Float
  ) -> Tensor {
    let input = data
    let out = uninitializedArray(count) { o in
      input.withUnsafeBufferPointer { x in
        for i in 0..<x.count { o[i] = f(x[i]) }
      }
    }
    let output = out
    return Tensor(shape: shape, data: out, inputs: [self], operation: operation) {
      [self] g in
      let dx = uninitializedArray(g.count) { d in
        g.withUnsafeBufferPointer { g in
          input.withUnsafeBufferPointer { x in
            output.withUnsafeBufferPointer { y in
              for i in 0..<d.count { d[i] = g[i] * derivative(x[i], y[i]) }
            }
          }
        }
      }
      self.accumulateGrad(dx)
    }
  }

  public func exp() -> Tensor {
    map("exp", FastMath.exp, derivative: { _, y in y })
  }

  public func tanh() -> Tensor {
    map("tanh", FastMath.tanh, derivative: { _, y in 1 - y * y })
  }
}
// MARK: end

extension Tensor {
  /// Natural logarithm (glibc's `logf`; logs are rare in a network).
  public func log() -> Tensor {
    map("log", { logf($0) }, derivative: { x, _ in 1 / x })
  }

  public func sqrt() -> Tensor {
    map("sqrt", { $0.squareRoot() }, derivative: { _, y in 0.5 / y })
  }

  /// xᵖ for a constant exponent p.
  public func pow(_ p: Float) -> Tensor {
    if p == 2 { return map("square", { $0 * $0 }, derivative: { x, _ in 2 * x }) }
    return map("pow", { powf($0, p) }, derivative: { x, _ in p * powf(x, p - 1) })
  }

  public func sigmoid() -> Tensor {
    map("sigmoid", FastMath.sigmoid, derivative: { _, y in y * (1 - y) })
  }

  public func relu() -> Tensor {
    map("relu", { Swift.max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 })
  }

  /// x·σ(x), LLaMA's activation (inside SwiGLU).
  public func silu() -> Tensor {
    map("silu", { $0 * FastMath.sigmoid($0) }, derivative: { x, _ in
      let s = FastMath.sigmoid(x)
      return s * (1 + x * (1 - s))
    })
  }

  /// GELU in its tanh form, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as GPT-2 and
  /// PyTorch's `gelu(approximate="tanh")`; it differs from the erf form by < 1e-3.
  public func gelu() -> Tensor {
    map("gelu", { x in
      let u = GELU.c * (x + GELU.k * x * x * x)
      return 0.5 * x * (1 + FastMath.tanh(u))
    }, derivative: { x, _ in
      let u = GELU.c * (x + GELU.k * x * x * x)
      let t = FastMath.tanh(u)
      let du = GELU.c * (1 + 3 * GELU.k * x * x)
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
    })
  }

  public func abs() -> Tensor {
    map("abs", { Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) })
  }
}

enum GELU {
  static let c: Float = 0.797_884_56  // √(2/π)
  static let k: Float = 0.044_715
}
