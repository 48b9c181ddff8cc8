import Autograd
import Testing

@testable import Datasets

import Platform

let repositoryRoot: String = {
  var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
  parts.removeLast(3)
  return parts.joined(separator: "/")
}()

@Suite("The digits")
struct DigitsTests {
  func digits() throws -> Digits {
    try Digits.load(from: repositoryRoot + "/Data/digits.csv")
  }

  @Test func loadsAllRows() throws {
    let d = try digits()
    #expect(d.count == 1797)
    #expect(
      d.images.allSatisfy { $0.count == 64 && $0.allSatisfy { (0...1).contains($0) } })
    // Every class is present, roughly 180 each.
    for label in 0...9 {
      let n = d.labels.filter { $0 == label }.count
      #expect(n > 170 && n < 190)
    }
  }

  @Test func splitIsDeterministicAndDisjoint() throws {
    let d = try digits()
    var g1 = SeededGenerator(seed: 5), g2 = SeededGenerator(seed: 5)
    let a = d.split(using: &g1), b = d.split(using: &g2)
    #expect(a.train.labels == b.train.labels && a.test.images == b.test.images)
    #expect(a.train.count + a.validation.count + a.test.count == d.count)
    #expect(a.test.count == 270 && a.validation.count == 270)
    // Disjoint: no image row appears in two parts (rows are distinct enough to hash).
    let train = Set(a.train.images.map { $0.description })
    #expect(a.test.images.filter { train.contains($0.description) }.count < 5)
  }

  @Test func batchesCoverAnEpoch() throws {
    let d = try digits().subset(Array(0..<100))
    var g = SeededGenerator(seed: 1)
    let batches = d.batches(of: 32, size: 32, using: &g)
    #expect(batches.map(\.labels.count) == [32, 32, 32, 4])
    #expect(batches[0].images.shape == [32, 1, 32, 32])
    #expect(batches.flatMap(\.labels).sorted() == d.labels.sorted())
  }

  @Test func resizeKeepsConstantsAndCorners() {
    let flat = [Float](repeating: 0.25, count: 64)
    #expect(Digits.resize(flat, to: 32).allSatisfy { Swift.abs($0 - 0.25) < 1e-6 })
    let ramp = (0..<64).map { Float($0 % 8) / 7 }
    let big = Digits.resize(ramp, to: 32)
    #expect(big[0] == 0 && big[31] == 1)
    #expect(zip(big.prefix(31), big.dropFirst().prefix(31)).allSatisfy { $0 <= $1 })
  }

  @Test func badFileGivesALineNumber() throws {
    let path = "/tmp/mmi-digits-\(getpid()).csv"
    defer { unlink(path) }
    let file = fopen(path, "w")
    fputs(String(repeating: "0,", count: 64) + "3\n1,2,3\n", file)
    fclose(file)
    #expect {
      try Digits.load(from: path)
    } throws: { error in
      "\(error)".contains(":2:")
    }
    #expect(throws: Digits.LoadError.self) { try Digits.load(from: "/nonexistent.csv") }
  }
}
