import Autograd
import Testing

@testable import Diffusion

/// Misuse of the diffusion pieces stops with a message that says what was expected and
/// what was given, in release builds too.
@Suite("Diffusion: misuse gives clear errors")
struct DiffusionClearErrors {
  @Test func timestepsOutOfRangeAreNamed() async {
    await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let schedule = NoiseSchedule.linear(steps: 10)
      let x = Tensor.zeros([2, 1, 4, 4])
      _ = schedule.noised(x, at: [3, 10], noise: x)
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(text.contains("noised") && text.contains("0..<10, got [10]"), "\(text)")
    }
  }

  @Test func ddimStepCountIsChecked() async {
    await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = NoiseSchedule.linear(steps: 10).ddimTimesteps(count: 50)
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(text.contains("ddimTimesteps") && text.contains("got 50"), "\(text)")
    }
  }
}
