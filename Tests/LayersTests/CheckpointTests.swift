import Autograd
import Testing

@testable import Layers

import Platform

func temporaryPath(_ name: String) -> String { "/tmp/mmi-\(getpid())-\(name)" }

final class TinyModel: Layer {
  var first: Linear, second: Linear
  init(seed: UInt64 = 1) {
    var g = SeededGenerator(seed: seed)
    first = Linear(3, 4, using: &g)
    second = Linear(4, 2, using: &g)
  }
  func callAsFunction(_ x: Tensor) -> Tensor { second(first(x).tanh()) }
}

@Suite("Checkpoints (safetensors)")
struct CheckpointTests {
  @Test func bytesFollowTheSpecification() {
    // The format: u64 little-endian header length, JSON header, raw little-endian data.
    let bytes = SafeTensors.encode(
      [("b", Tensor([1, 2])), ("a", Tensor(shape: [1, 1], data: [-0.5]))],
      metadata: ["step": "7"])
    let json =
      #"{"__metadata__":{"step":"7"},"#
      + #""a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"#
      + #""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
    var header = Array(json.utf8)
    while (8 + header.count) % 8 != 0 { header.append(0x20) }  // pad with spaces
    let length = UInt64(header.count)
    var expected: [UInt8] = (0..<8).map { UInt8((length >> (8 * UInt64($0))) & 0xFF) }
    expected += header
    expected += [0x00, 0x00, 0x00, 0xBF]  // -0.5 = 0xBF000000
    expected += [0x00, 0x00, 0x80, 0x3F]  // 1.0 = 0x3F800000
    expected += [0x00, 0x00, 0x00, 0x40]  // 2.0 = 0x40000000
    #expect(bytes == expected)
  }

  @Test func decodeInvertsEncode() throws {
    let bytes = SafeTensors.encode(
      [("x", Tensor([[1, 2], [3, 4]]))], metadata: ["k": "v\"q"])
    let (tensors, metadata) = try SafeTensors.decode(bytes)
    #expect(tensors["x"]?.shape == [2, 2] && tensors["x"]?.data == [1, 2, 3, 4])
    #expect(metadata == ["k": "v\"q"])
  }

  @Test func longMetadataBeforeTheChecksumStillSeals() throws {
    // A 100 KB value whose key sorts before the checksum's pushes the checksum entry
    // deep into the header; the file must still be written, read and checked.
    let path = temporaryPath("long-metadata.safetensors")
    defer { unlink(path) }
    let records = String(repeating: "caption:1065353216:0,", count: 5000)
    try SafeTensors.write(
      [("x", Tensor([1, 2, 3]))], metadata: ["curriculum.records": records], to: path)
    let (tensors, metadata) = try SafeTensors.read(from: path, requiresChecksum: true)
    #expect(tensors["x"]?.data == [1, 2, 3] && metadata["curriculum.records"] == records)
    var bytes = try readFileBytes(path)
    bytes[bytes.count - 1] ^= 0x01  // a flipped bit in the last weight
    #expect(throws: CheckpointError.checksumMismatch(path: "x")) {
      _ = try SafeTensors.decode(bytes, path: "x", requiresChecksum: true)
    }
  }

  @Test func saveThenLoadGivesIdenticalOutputs() throws {
    let path = temporaryPath("roundtrip.safetensors")
    defer { unlink(path) }
    let model = TinyModel(seed: 1), other = TinyModel(seed: 2)
    let x = Tensor([[0.1, -0.2, 0.3]])
    try model.save(to: path)
    #expect(other(x).data != model(x).data)
    try other.load(from: path)
    #expect(other(x).data == model(x).data)
  }

  @Test func truncatedFileIsReportedAsTruncated() throws {
    let path = temporaryPath("cut.safetensors")
    defer { unlink(path) }
    try TinyModel().save(to: path)
    truncate(path, 100)
    #expect(throws: CheckpointError.self) { try TinyModel().load(from: path) }
    do { try TinyModel().load(from: path) } catch let error as CheckpointError {
      guard case .truncated = error else {
        Issue.record("expected .truncated, got \(error)")
        return
      }
      #expect(error.description.contains("truncated"))
    }
  }

  @Test func corruptHeaderIsReported() {
    var bytes = SafeTensors.encode([("x", Tensor([1]))])
    bytes[9] = UInt8(ascii: "?")
    #expect {
      try SafeTensors.decode(bytes)
    } throws: { error in
      guard case .corruptHeader? = error as? CheckpointError else { return false }
      return true
    }
  }

  @Test func missingTensorAndShapeMismatchNameTheTensor() throws {
    let path = temporaryPath("partial.safetensors")
    defer { unlink(path) }
    let model = TinyModel()
    try SafeTensors.write(Array(model.namedParameters.dropLast()), to: path)
    #expect(throws: CheckpointError.missingTensor(path: path, name: "second.bias")) {
      try model.load(from: path)
    }
    var wrong = model.namedParameters
    wrong[0] = ("first.weight", Tensor.zeros([5, 3]))
    try SafeTensors.write(wrong, to: path)
    let before = model.first.weight.data
    #expect(
      throws: CheckpointError.shapeMismatch(
        path: path, name: "first.weight", expected: [4, 3],
        found: [5, 3])
    ) {
      try model.load(from: path)
    }
    #expect(model.first.weight.data == before)  // nothing was half-loaded
    let message = CheckpointError.shapeMismatch(
      path: path, name: "first.weight", expected: [4, 3],
      found: [5, 3]
    ).description
    #expect(
      message.contains("first.weight") && message.contains("[5, 3]")
        && message.contains("[4, 3]"))
  }

  @Test func unknownTensorIsReported() throws {
    let path = temporaryPath("extra.safetensors")
    defer { unlink(path) }
    let model = TinyModel()
    try SafeTensors.write(
      model.namedParameters + [("third.weight", Tensor([1]))], to: path)
    #expect(throws: CheckpointError.unexpectedTensor(path: path, name: "third.weight")) {
      try model.load(from: path)
    }
  }

  @Test func missingFileIsReported() {
    #expect(throws: CheckpointError.self) {
      try TinyModel().load(from: "/nonexistent/model.safetensors")
    }
  }

  @Test func savingReplacesAtomicallyAndLeavesNoTemporaryFile() throws {
    let path = temporaryPath("atomic.safetensors")
    defer { unlink(path) }
    try TinyModel(seed: 1).save(to: path)
    // A leftover temporary file from a crashed save must not matter.
    let stale = fopen(path + ".partial-999999", "w")
    fputs("half a checkpoint", stale)
    fclose(stale)
    defer { unlink(path + ".partial-999999") }
    try TinyModel(seed: 2).save(to: path)
    let loaded = TinyModel(seed: 3)
    try loaded.load(from: path)
    #expect(loaded.first.weight.data == TinyModel(seed: 2).first.weight.data)
    #expect(access(path + ".partial-\(getpid())", F_OK) != 0)
  }

  @Test func trainingResumesExactlyWithOptimizerState() throws {
    let path = temporaryPath("resume.safetensors")
    defer { unlink(path) }
    let x = Tensor([[0.1, -0.2, 0.3], [0.5, 0.4, -0.1]])
    func train(_ model: TinyModel, _ adam: AdamW, steps: Int) {
      for _ in 0..<steps {
        adam.zeroGrad()
        crossEntropy(model(x), targets: [0, 1]).backward()
        adam.step(learningRate: 0.05)
      }
    }
    let model = TinyModel()
    let adam = AdamW([ParameterGroup(model.namedParameters, weightDecay: 0.01)])
    train(model, adam, steps: 3)
    try model.save(to: path, optimizer: adam)
    train(model, adam, steps: 2)

    let resumed = TinyModel(seed: 9)
    let resumedAdam = AdamW([ParameterGroup(resumed.namedParameters, weightDecay: 0.01)])
    try resumed.load(from: path, optimizer: resumedAdam)
    #expect(resumedAdam.stepCount == 3)
    train(resumed, resumedAdam, steps: 2)
    #expect(
      resumed.namedParameters.map(\.tensor.data)
        == model.namedParameters.map(\.tensor.data))
  }
}
