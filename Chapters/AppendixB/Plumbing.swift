// Appendix B's plumbing: formatting sizes, reading the recorded loss curves, counting
// gradients by size. The book does not print this file; the page shows what it finds.
import Autograd
import Notebook
import Platform

/// 13_000_000_000 → "13.0 B", 2_350_000 → "2.35 M".
func amount(_ n: Double) -> String {
  let units: [(Double, String)] = [(1e12, " T"), (1e9, " B"), (1e6, " M"), (1e3, " k")]
  for (scale, unit) in units where abs(n) >= scale {
    return formatted(n / scale, significantDigits: 3) + unit
  }
  return formatted(n, significantDigits: 3)
}

/// Bytes as "12.3 GB" (powers of 10, as GPU memory is sold).
func bytes(_ n: Double) -> String {
  let units: [(Double, String)] = [
    (1e12, " TB"), (1e9, " GB"), (1e6, " MB"), (1e3, " kB"),
  ]
  for (scale, unit) in units where abs(n) >= scale {
    return formatted(n / scale, significantDigits: 3) + unit
  }
  return formatted(n, significantDigits: 3) + " B"
}

/// FLOPs as "1.23 × 10¹⁸".
func flops(_ n: Double) -> String {
  guard n > 0 else { return "0" }
  let exponent = Int(log10(n).rounded(.down))
  let superscripts = Array("⁰¹²³⁴⁵⁶⁷⁸⁹")
  let power = String(exponent).map { superscripts[Int(String($0))!] }
  return formatted(n / pow(10, Double(exponent)), significantDigits: 3) + " × 10"
    + String(power)
}

/// The loss curves `make twin-train` recorded (Results/appB-losses.csv): per batch
/// seen, ours, the twin's, and the two-process twin's (every other batch); nil if the
/// file is not there.
func recordedLossCurves(
  _ path: String
) -> (ours: [(x: Double, y: Double)], twin: [(x: Double, y: Double)],
  twoProcesses: [(x: Double, y: Double)])?
{
  guard let bytes = try? readFileBytes(path) else { return nil }
  var ours: [(x: Double, y: Double)] = [], twin = ours, two = ours
  for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst() {
    let fields = line.split(separator: ",", omittingEmptySubsequences: false)
      .map { Double($0) }
    guard fields.count == 4, let step = fields[0] else { continue }
    if let value = fields[1] { ours.append((step, value)) }
    if let value = fields[2] { twin.append((step, value)) }
    if let value = fields[3] { two.append((step, value)) }
  }
  return (ours, twin, two)
}

/// Every number of every gradient left on `parameters`, as Double.
func gradientValues(_ parameters: [Tensor]) -> [Double] {
  parameters.flatMap { ($0.gradValues ?? []).map(Double.init) }
}
