import Exercises10
import Solutions
import Testing

/// The solutions pass their checkers, and typical wrong answers do not.
@Suite("Chapter 10 exercises")
struct Chapter10Exercises {
  @Test func vqaAccuracy() {
    #expect(Chapter10Checks.vqaAccuracy(Chapter10Solutions.vqaAccuracy).passed)
    #expect(!Chapter10Checks.vqaAccuracy { _, _ in nil }.passed)
    // Without leaving anyone out: min(1, agreeing / 3).
    #expect(
      !Chapter10Checks.vqaAccuracy { answer, humans in
        min(1, Double(humans.filter { $0 == answer }.count) / 3)
      }.passed)
  }

  @Test func meanIoU() {
    #expect(Chapter10Checks.meanIoU(Chapter10Solutions.meanIoU).passed)
    #expect(!Chapter10Checks.meanIoU { _, _, _ in nil }.passed)
    // The mean of each map's own mean IoU.
    #expect(
      !Chapter10Checks.meanIoU { predicted, truth, classes in
        let each = zip(predicted, truth).map {
          Chapter10Solutions.meanIoU([$0], [$1], classes)!
        }
        return each.reduce(0, +) / Double(each.count)
      }.passed)
  }
}
