import Autograd
import TestSupport
import Testing

@testable import Layers

import Platform

/// A thousand damaged copies of a real checkpoint (model and optimiser state): each must
/// end in a thrown `CheckpointError` that names the file, never in a crash, a silent
/// load or a huge allocation.
@Suite("Checkpoint fuzzing")
struct CheckpointFuzzTests {
  /// The pristine file: a small model after three AdamW steps, with its optimiser.
  static func pristine(_ name: String) throws -> [UInt8] {
    let path = temporaryPath("\(name).safetensors")
    defer { unlink(path) }
    let model = TinyModel()
    let adam = AdamW([ParameterGroup(model.namedParameters, weightDecay: 0.01)])
    for _ in 0..<3 {
      crossEntropy(model(Tensor([[0.1, -0.2, 0.3]])), targets: [1]).backward()
      adam.step(learningRate: 0.05)
      adam.zeroGrad()
    }
    try model.save(to: path, optimizer: adam)
    return try readFileBytes(path)
  }

  /// The header's JSON text and where the data starts.
  static func header(_ bytes: [UInt8]) -> (json: String, dataStart: Int) {
    let size = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
    return (String(decoding: bytes[8..<(8 + size)], as: UTF8.self), 8 + size)
  }

  /// A file with `json` as its header (length prefix fixed up) and `data` after it,
  /// sealed with a correct checksum: only the lie in the header is wrong.
  static func rebuilt(json: String, data: ArraySlice<UInt8>) -> [UInt8] {
    let header = Array(json.utf8)
    var bytes: [UInt8] = (0..<8).map { UInt8((header.count >> (8 * $0)) & 0xFF) }
    bytes += header + data
    let old = json.firstRange(of: "\"mmi.crc32\":\"").map {
      String(json[$0.upperBound...].prefix(8))
    }
    if let old, let digits = SafeTensors.checksumDigits(in: bytes, checksum: old) {
      bytes.replaceSubrange(
        digits, with: Array(SafeTensors.checksum(of: bytes, digits: digits).utf8))
    }
    return bytes
  }

  /// One mutation of `bytes`, chosen by `kind`.
  static func mutated(
    _ bytes: [UInt8], kind: Int, using random: inout SeededGenerator
  ) -> [UInt8] {
    let (json, dataStart) = header(bytes)
    switch kind {
    case 0: return Damage.truncated(bytes, using: &random)
    case 1: return Damage.flipped(bytes, using: &random)
    case 2:  // a huge or wrong header length
      var copy = bytes
      let lengths: [UInt64] = [
        .max, UInt64(Int.max), 1 << 40, UInt64(bytes.count), UInt64(dataStart - 9),
        UInt64(random.nextInt(below: bytes.count)),
      ]
      let length = lengths[random.nextInt(below: lengths.count)]
      for i in 0..<8 { copy[i] = UInt8((length >> (8 * UInt64(i))) & 0xFF) }
      return copy
    case 3:  // a header that lies about a size: a shape or an offset replaced
      // Numbers outside strings: the shapes and byte offsets (metadata are strings).
      var inString = false
      let numbers = json.indices.filter { index in
        if json[index] == "\"" { inString.toggle() }
        return !inString && json[index].isNumber
      }
      let at = numbers[random.nextInt(below: numbers.count)]
      let end = json[at...].firstIndex { !$0.isNumber } ?? json.endIndex
      let lies = [
        "0", "1", "9999999999", "\(Int.max)", "99999999999999999999",
        "4611686018427387904", "\(random.nextInt(below: 100_000))",
      ]
      var lie = json
      lie.replaceSubrange(at..<end, with: lies[random.nextInt(below: lies.count)])
      return rebuilt(json: lie, data: bytes[dataStart...])
    default:  // a header that lies about a type
      let types = ["F16", "BF16", "F64", "I32", "U8", "", "f32"]
      let lie = json.replacing(
        "\"F32\"", with: "\"\(types[random.nextInt(below: types.count)])\"",
        maxReplacements: random.nextInt(below: 4) == 0 ? .max : 1)
      return rebuilt(json: lie, data: bytes[dataStart...])
    }
  }

  @Test func everyMutationEndsInAnErrorNamingTheFile() throws {
    let original = try Self.pristine("fuzz-original")
    let path = temporaryPath("fuzz.safetensors")
    defer { unlink(path) }
    var random = SeededGenerator(seed: 2024)
    var caughtBy: [String: Int] = [:]
    let memoryBefore = peakMemoryBytes()
    for trial in 0..<1000 {
      let bytes = Self.mutated(original, kind: trial % 5, using: &random)
      if bytes == original { continue }  // a lie that happened to tell the truth
      try writeFileAtomically(bytes, to: path)
      let model = TinyModel()
      let adam = AdamW([ParameterGroup(model.namedParameters, weightDecay: 0.01)])
      do {
        try model.load(from: path, optimizer: adam)
        Issue.record("mutation \(trial) (kind \(trial % 5)) loaded without an error")
      } catch let error as CheckpointError {
        #expect(error.description.contains(path), "\(error)")
        let check = Mirror(reflecting: error).children.first?.label ?? "\(error)"
        caughtBy[check, default: 0] += 1
      }
    }
    // Every check takes part; a lying header never makes us allocate what it claims.
    #expect(
      Set(caughtBy.keys).isSuperset(of: [
        "truncated", "corruptHeader", "unsupportedType", "checksumMismatch",
      ]), "\(caughtBy)")
    #expect(peakMemoryBytes() - memoryBefore < 200 << 20)
  }

  @Test func theChecksumCatchesWhatTheFormatCannot() throws {
    // A flipped bit inside a weight leaves a well-formed file: only the checksum knows.
    var bytes = try Self.pristine("checksum-original")
    bytes[bytes.count - 3] ^= 0x10
    #expect(throws: CheckpointError.checksumMismatch(path: "x")) {
      try SafeTensors.decode(bytes, path: "x")
    }
    // Files from other tools carry no checksum: read, unless one is required.
    let foreign = SafeTensors.encode([("w", Tensor([1, 2]))])
    #expect(try SafeTensors.decode(foreign).tensors["w"]?.data == [1, 2])
    #expect(throws: CheckpointError.missingChecksum(path: "y")) {
      try SafeTensors.decode(foreign, path: "y", requiresChecksum: true)
    }
  }
}

/// The process's peak resident memory in bytes.
func peakMemoryBytes() -> Int {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return usage.ru_maxrss * 1024
}
