import Platform

/// A number with `digits` significant digits, the way the book prints results:
/// 0.1235, 12.35, 1235, 1.235e+06. Trailing zeros after the point are dropped.
/// Written out by hand (no Foundation, no C printf), so it is the same everywhere.
public func formatted(_ value: Double, significantDigits digits: Int = 4) -> String {
  if value.isNaN { return "nan" }
  if value.isInfinite { return value > 0 ? "inf" : "-inf" }
  if value == 0 { return "0" }
  let sign = value < 0 ? "-" : ""
  let magnitude = Swift.abs(value)
  var exponent = Int(floor(log10(magnitude)))
  var scaled = (magnitude / pow(10, Double(exponent - digits + 1))).rounded()
  if scaled >= pow(10, Double(digits)) {  // 9.9996 rounds up to 10.00
    scaled = (scaled / 10).rounded()
    exponent += 1
  }
  let mantissa = String(Int(scaled))  // exactly `digits` characters
  if exponent < -4 || exponent >= Swift.max(digits, 6) {
    let head = mantissa.prefix(1), tail = trimmingZeros(String(mantissa.dropFirst()))
    let e = Swift.abs(exponent)
    return sign + head + (tail.isEmpty ? "" : "." + tail)
      + "e" + (exponent < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
  }
  if exponent >= digits - 1 {
    return sign + mantissa + String(repeating: "0", count: exponent - digits + 1)
  }
  if exponent >= 0 {
    let whole = mantissa.prefix(exponent + 1)
    let fraction = trimmingZeros(String(mantissa.dropFirst(exponent + 1)))
    return sign + whole + (fraction.isEmpty ? "" : "." + fraction)
  }
  let fraction = String(repeating: "0", count: -exponent - 1) + mantissa
  return sign + "0." + trimmingZeros(fraction)
}

public func formatted(_ value: Float, significantDigits digits: Int = 4) -> String {
  formatted(Double(value), significantDigits: digits)
}

private func trimmingZeros(_ digits: String) -> String {
  var s = Substring(digits)
  while s.last == "0" { s = s.dropLast() }
  return String(s)
}

extension Tensor: CustomStringConvertible {
  /// Nested rows with aligned columns, numbers to 4 significant digits; long axes are
  /// elided in the middle (first and last three).
  public var description: String {
    if rank == 0 { return formatted(data[0]) }
    let texts = data.map { formatted($0) }
    let width = texts.map(\.count).max() ?? 1
    var strides = [Int](repeating: 1, count: rank)
    for axis in stride(from: rank - 2, through: 0, by: -1) {
      strides[axis] = strides[axis + 1] * shape[axis + 1]
    }
    func shown(_ size: Int) -> [Int?] {
      size <= 8 ? Array(0..<size) : Array(0..<3) + [nil] + Array(size - 3..<size)
    }
    func render(_ axis: Int, _ offset: Int, _ indent: String) -> String {
      let items = shown(shape[axis])
      if axis == rank - 1 {
        let cells = items.map { i in
          i.map {
            String(repeating: " ", count: width - texts[offset + $0].count)
              + texts[offset + $0]
          } ?? "…"
        }
        return "[" + cells.joined(separator: ", ") + "]"
      }
      let separator =
        ",\n" + String(repeating: "\n", count: rank - axis - 2) + indent + " "
      let rows = items.map { i in
        i.map { render(axis + 1, offset + $0 * strides[axis], indent + " ") } ?? "…"
      }
      return "[" + rows.joined(separator: separator) + "]"
    }
    return render(0, 0, "")
  }
}
