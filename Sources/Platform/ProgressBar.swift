
/// A progress bar with an ETA, drawn on stderr and only on a terminal: it never enters
/// a transcript or the book.
public struct ProgressBar {
  let total: Int
  let label: String
  let enabled: Bool
  let clock = ContinuousClock()
  let start: ContinuousClock.Instant
  private(set) var done = 0
  private var lastDrawn: ContinuousClock.Instant

  public init(total: Int, label: String) {
    self.total = max(total, 1)
    self.label = label
    self.enabled = isatty(2) != 0
    self.start = clock.now
    self.lastDrawn = start
  }

  /// Marks `steps` more as done; redraws at most ten times a second.
  public mutating func advance(by steps: Int = 1, note: String = "") {
    done += steps
    guard enabled else { return }
    let now = clock.now
    guard done >= total || now - lastDrawn > .milliseconds(100) else { return }
    lastDrawn = now
    let elapsed = (now - start).seconds
    let fraction = Double(done) / Double(total)
    let remaining = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
    let filled = Int(fraction * 30)
    let bar =
      String(repeating: "█", count: filled)
      + String(repeating: "·", count: 30 - filled)
    let text =
      "\r\(label) \(bar) \(Int(fraction * 100))% ETA \(Int(remaining.rounded()))s "
      + note
    writeToStandardError(text)
    if done >= total { writeToStandardError("\n") }
  }
}

extension Duration {
  /// The duration in seconds, as a Double.
  public var seconds: Double {
    let parts = components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
  }
}
