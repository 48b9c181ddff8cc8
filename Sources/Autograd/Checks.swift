import Platform

/// Stops the program with a message that names the operation, what it expected and
/// what it got, in every build configuration.
///
/// Misuse such as a shape mismatch is a programming error, like an index out of range,
/// so it traps rather than throws. We use `fatalError`, not `precondition`: an
/// optimised build (`-c release`, how chapters run) drops `precondition`'s message, and
/// the message is the point. Every module uses this check where a reader's mistake can
/// land: `require(x.rank == 4, "convolve", "needs [B, C, H, W], got \(x.shape)")`.
@inline(__always)
public func require(
  _ condition: Bool, _ operation: @autoclosure () -> String,
  _ message: @autoclosure () -> String
) {
  if !condition { fatalError("\(operation()): \(message())") }
}

/// Shapes printed the way the book writes them: [2, 3].
public func describe(_ shape: [Int]) -> String {
  "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

// Double-precision libm calls used by the generator (kept here so Random.swift reads
// without platform conditionals).
@inline(__always) func logDouble(_ x: Double) -> Double { log(x) }
@inline(__always) func cosDouble(_ x: Double) -> Double { cos(x) }
