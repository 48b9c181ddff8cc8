import ExercisesB
import Solutions
import Testing

/// The solutions pass their checkers, and typical wrong answers do not.
@Suite("Appendix B exercises")
struct AppendixBExercises {
  @Test func bytesPerGPU() {
    #expect(AppendixBChecks.bytesPerGPU(AppendixBSolutions.bytesPerGPU).passed)
    #expect(!AppendixBChecks.bytesPerGPU { _, _, _, _ in nil }.passed)
    // Forgetting the fp32 master copy: 8 bytes of Adam state instead of 12.
    let noMaster: (Int, Int, Int, Int) -> Double? = { n, t, g, stage in
      AppendixBSolutions.bytesPerGPU(n, t, g, stage).map {
        $0 - 4 * Double(t) / (stage == 0 ? 1 : Double(g))
      }
    }
    #expect(!AppendixBChecks.bytesPerGPU(noMaster).passed)
    // Sharding everything at every stage.
    let allSharded: (Int, Int, Int, Int) -> Double? = { n, t, g, _ in
      (2 * Double(n) + 14 * Double(t)) / Double(g)
    }
    #expect(!AppendixBChecks.bytesPerGPU(allSharded).passed)
  }

  @Test func ringAllReduce() {
    #expect(AppendixBChecks.ringAllReduce(AppendixBSolutions.ringAllReduce).passed)
    #expect(!AppendixBChecks.ringAllReduce { _, _ in nil }.passed)
    // Every GPU sending its whole gradient to every other one.
    #expect(!AppendixBChecks.ringAllReduce { bytes, g in bytes * Double(g - 1) }.passed)
  }
}
