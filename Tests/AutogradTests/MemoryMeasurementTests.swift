import Platform
import Testing

/// Appendix A measures a training step's memory by the rise of the peak resident size:
/// the reset must really start a new peak, and the peak must see memory in use.
@Suite("Peak memory measurement")
struct MemoryMeasurementTests {
  @Test func aResetPeakSeesMemoryTouchedAfterIt() throws {
    try #require(resetPeakResidentMemory(), "clear_refs unavailable: not Linux?")
    let start = residentMegabytes()
    #expect(peakResidentMegabytes() - start < 32, "the reset did not lower the peak")
    // 96 MiB, every page written, so it is resident.
    var block = [Float](repeating: 0, count: 24 << 20)
    for i in stride(from: 0, to: block.count, by: 1024) { block[i] = Float(i) }
    #expect(peakResidentMegabytes() - start > 90)
    #expect(block[1024] == 1024)
  }
}
