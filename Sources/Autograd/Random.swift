// MARK: book:rng
/// The project's one source of randomness: xoshiro256** seeded through SplitMix64.
///
/// We write our own rather than use `SystemRandomNumberGenerator` (not reproducible)
/// or the standard library's `random(in:using:)` (its algorithm may change between
/// Swift versions). Every draw below is defined here, so a seed means the same
/// numbers on every machine and every toolchain.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    // SplitMix64 spreads one 64-bit seed over the 256-bit state (never all zero).
    var s = seed
    func splitMix() -> UInt64 {
      s &+= 0x9E37_79B9_7F4A_7C15
      var z = s
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (splitMix(), splitMix(), splitMix(), splitMix())
  }

  public mutating func next() -> UInt64 {
    let result = rotateLeft(state.1 &* 5, by: 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotateLeft(state.3, by: 45)
    return result
  }

  private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 {
    (x << k) | (x >> (64 - k))
  }
}
// MARK: end

extension SeededGenerator {
  /// A uniform Float in [0, 1) from the top 24 bits (every value exactly representable).
  public mutating func nextUniform() -> Float {
    Float(next() >> 40) * 0x1p-24
  }

  /// A uniform Float in [low, high).
  public mutating func uniform(_ low: Float, _ high: Float) -> Float {
    low + (high - low) * nextUniform()
  }

  /// A standard normal draw by the Box–Muller transform (computed in Double).
  public mutating func nextNormal() -> Float {
    // 1 - u keeps the logarithm's argument in (0, 1].
    let u1 = 1.0 - Double(next() >> 11) * 0x1p-53
    let u2 = Double(next() >> 11) * 0x1p-53
    let radius = (-2.0 * logDouble(u1)).squareRoot()
    return Float(radius * cosDouble(2.0 * Double.pi * u2))
  }

  /// A uniform integer in 0..<bound, without modulo bias (Lemire's method).
  public mutating func nextInt(below bound: Int) -> Int {
    require(bound > 0, "nextInt(below:)", "needs a positive bound, got \(bound)")
    let b = UInt64(bound)
    var product = next().multipliedFullWidth(by: b)
    if product.low < b {
      let threshold = (0 &- b) % b
      while product.low < threshold {
        product = next().multipliedFullWidth(by: b)
      }
    }
    return Int(product.high)
  }

  /// Fisher–Yates shuffle with this generator's own integer draws.
  public mutating func shuffle<T>(_ array: inout [T]) {
    guard array.count > 1 else { return }
    for i in stride(from: array.count - 1, to: 0, by: -1) {
      let j = nextInt(below: i + 1)
      array.swapAt(i, j)
    }
  }

  /// A random permutation of 0..<count.
  public mutating func permutation(_ count: Int) -> [Int] {
    var indices = Array(0..<count)
    shuffle(&indices)
    return indices
  }
}
