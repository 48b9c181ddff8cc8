import Platform

// MARK: book:add
extension Tensor {
  /// a + b with broadcasting. The gradient reaches each input summed over the axes
  /// along which it was repeated.
  public static func + (a: Tensor, b: Tensor) -> Tensor {
    let shape = broadcastShape(a.shape, b.shape, operation: "+")
    let out = broadcastCombine(a.data, a.shape, b.data, b.shape, into: shape, Plus())
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
    let out = broadcastCombine(a.data, a.shape, b.data, b.shape, into: shape, Minus())
    return Tensor(shape: shape, data: out, inputs: [a, b], operation: "subtract") { g in
      a.accumulateGrad(sumToShape(g, from: shape, to: a.shape))
      if b.requiresGrad {
        b.accumulateGrad(sumToShape(g.map { -$0 }, from: shape, to: b.shape))
      }
    }
  }

  public static func * (a: Tensor, b: Tensor) -> Tensor {
    let shape = broadcastShape(a.shape, b.shape, operation: "*")
    let out = broadcastCombine(a.data, a.shape, b.data, b.shape, into: shape, Times())
    let aData = a.data, bData = b.data
    return Tensor(shape: shape, data: out, inputs: [a, b], operation: "multiply") { g in
      if a.requiresGrad {
        let ga = broadcastCombine(g, shape, bData, b.shape, into: shape, Times())
        a.accumulateGrad(sumToShape(ga, from: shape, to: a.shape))
      }
      if b.requiresGrad {
        let gb = broadcastCombine(g, shape, aData, a.shape, into: shape, Times())
        b.accumulateGrad(sumToShape(gb, from: shape, to: b.shape))
      }
    }
  }

  public static func / (a: Tensor, b: Tensor) -> Tensor {
    let shape = broadcastShape(a.shape, b.shape, operation: "/")
    let out = broadcastCombine(a.data, a.shape, b.data, b.shape, into: shape, Over())
    let bData = b.data
    return Tensor(shape: shape, data: out, inputs: [a, b], operation: "divide") { g in
      // d(a/b)/da = 1/b;  d(a/b)/db = −a/b² = −(a/b)/b.
      if a.requiresGrad {
        let ga = broadcastCombine(g, shape, bData, b.shape, into: shape, Over())
        a.accumulateGrad(sumToShape(ga, from: shape, to: a.shape))
      }
      if b.requiresGrad {
        let gOut = zip(g, out).map { -$0 * $1 }
        let gb = broadcastCombine(gOut, shape, bData, b.shape, into: shape, Over())
        b.accumulateGrad(sumToShape(gb, from: shape, to: b.shape))
      }
    }
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
/// A function applied to every element, with its derivative. `derivative(x, y)` gives
/// dy/dx from the input x and the output y = f(x): for eˣ or tanh the output is the
/// cheaper one to use.
public protocol ElementwiseFunction {
  func value(_ x: Float) -> Float
  func derivative(_ x: Float, _ y: Float) -> Float
}

extension Tensor {
  /// Applies `function` to every element. Generic, not a pair of closures: for a
  /// concrete function type the compiler specialises both loops and inlines the
  /// function into them, so they run as vector code (a stored closure would be an
  /// indirect call per element, several times slower).
  @inline(__always)
  public func apply<F: ElementwiseFunction>(
    _ operation: StaticString, _ function: F
  ) -> Tensor {
    let input = data
    let output = uninitializedArray(count) { y in
      input.withUnsafeBufferPointer { x in
        Parallel.forEachShare(of: x.count) { share in
          for i in share { y[i] = function.value(x[i]) }
        }
      }
    }
    return Tensor(shape: shape, data: output, inputs: [self], operation: operation) {
      [self] g in
      let dx = uninitializedArray(g.count) { d in
        g.withUnsafeBufferPointer { g in
          input.withUnsafeBufferPointer { x in
            output.withUnsafeBufferPointer { y in
              Parallel.forEachShare(of: d.count) { share in
                for i in share { d[i] = g[i] * function.derivative(x[i], y[i]) }
              }
            }
          }
        }
      }
      self.accumulateGrad(dx)
    }
  }

  // MARK: end
  // MARK: book:unary-functions
  public func exp() -> Tensor { apply("exp", Exp()) }
  public func tanh() -> Tensor { apply("tanh", Tanh()) }
}

struct Exp: ElementwiseFunction {
  func value(_ x: Float) -> Float { FastMath.exp(x) }
  func derivative(_ x: Float, _ y: Float) -> Float { y }  // d eˣ/dx = eˣ
}

struct Tanh: ElementwiseFunction {
  func value(_ x: Float) -> Float { FastMath.tanh(x) }
  func derivative(_ x: Float, _ y: Float) -> Float { 1 - y * y }
}
// MARK: end

/// An elementwise function given by two closures, for one-off functions (exercises,
/// tests); the built-in ones are types so that they inline.
struct ClosureFunction: ElementwiseFunction {
  let f: (Float) -> Float
  let df: (Float, Float) -> Float
  func value(_ x: Float) -> Float { f(x) }
  func derivative(_ x: Float, _ y: Float) -> Float { df(x, y) }
}

extension Tensor {
  /// Applies `f` to every element, with `derivative(x, y)` = dy/dx at input x and
  /// output y. Convenient for experiments; see `apply` for the fast path.
  public func map(
    _ operation: StaticString, _ f: @escaping (Float) -> Float,
    derivative: @escaping (_ x: Float, _ y: Float) -> Float
  ) -> Tensor {
    apply(operation, ClosureFunction(f: f, df: derivative))
  }
}

extension Tensor {
  /// Natural logarithm (glibc's `logf`; logs are rare in a network).
  public func log() -> Tensor { apply("log", Log()) }
  public func sqrt() -> Tensor { apply("sqrt", SquareRoot()) }

  /// xᵖ for a constant exponent p.
  public func pow(_ p: Float) -> Tensor {
    p == 2 ? apply("square", Square()) : apply("pow", Power(p: p))
  }

  public func sigmoid() -> Tensor { apply("sigmoid", Sigmoid()) }
  public func relu() -> Tensor { apply("relu", ReLU()) }
  /// x·σ(x), LLaMA's activation (inside SwiGLU).
  public func silu() -> Tensor { apply("silu", SiLU()) }
  /// GELU in its tanh form, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as GPT-2 and
  /// PyTorch's `gelu(approximate="tanh")`; it differs from the erf form by < 1e-3.
  public func gelu() -> Tensor { apply("gelu", GELU()) }
  public func abs() -> Tensor { apply("abs", Absolute()) }
  public static prefix func - (x: Tensor) -> Tensor { x.apply("negate", Negate()) }
}

struct Negate: ElementwiseFunction {
  func value(_ x: Float) -> Float { -x }
  func derivative(_ x: Float, _ y: Float) -> Float { -1 }
}

struct Log: ElementwiseFunction {
  func value(_ x: Float) -> Float { logf(x) }
  func derivative(_ x: Float, _ y: Float) -> Float { 1 / x }
}

struct SquareRoot: ElementwiseFunction {
  func value(_ x: Float) -> Float { x.squareRoot() }
  func derivative(_ x: Float, _ y: Float) -> Float { 0.5 / y }
}

struct Square: ElementwiseFunction {
  func value(_ x: Float) -> Float { x * x }
  func derivative(_ x: Float, _ y: Float) -> Float { 2 * x }
}

struct Power: ElementwiseFunction {
  let p: Float
  func value(_ x: Float) -> Float { powf(x, p) }
  func derivative(_ x: Float, _ y: Float) -> Float { p * powf(x, p - 1) }
}

struct Sigmoid: ElementwiseFunction {
  func value(_ x: Float) -> Float { FastMath.sigmoid(x) }
  func derivative(_ x: Float, _ y: Float) -> Float { y * (1 - y) }
}

struct ReLU: ElementwiseFunction {
  func value(_ x: Float) -> Float { Swift.max(x, 0) }
  func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : 0 }
}

struct SiLU: ElementwiseFunction {
  func value(_ x: Float) -> Float { x * FastMath.sigmoid(x) }
  func derivative(_ x: Float, _ y: Float) -> Float {
    let s = FastMath.sigmoid(x)
    return s * (1 + x * (1 - s))
  }
}

struct Absolute: ElementwiseFunction {
  func value(_ x: Float) -> Float { Swift.abs(x) }
  func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}

struct GELU: ElementwiseFunction {
  // √(2/π) and the cubic coefficient, as literals: a `static let` is initialised
  // lazily, and the check for that in the inner loop would stop vectorisation.
  @inline(__always) func inner(_ x: Float) -> Float {
    0.797_884_56 * (x + 0.044_715 * x * x * x)
  }

  func value(_ x: Float) -> Float { 0.5 * x * (1 + FastMath.tanh(inner(x))) }

  func derivative(_ x: Float, _ y: Float) -> Float {
    let t = FastMath.tanh(inner(x))
    let slope = 0.797_884_56 * (1 + 3 * 0.044_715 * x * x)  // d inner/dx
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * slope
  }
}
