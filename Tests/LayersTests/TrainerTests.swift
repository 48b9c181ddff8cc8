import Autograd
import Testing

@testable import Layers

import Platform

/// A model with every kind of parameter the rules tell apart.
final class RuleModel: Layer {
  var embedding: Embedding
  var samplingOffsets: Linear
  var norm: RMSNorm
  var output: Linear
  var gate: Tensor

  init(seed: UInt64 = 1) {
    var g = SeededGenerator(seed: seed)
    embedding = Embedding(5, 3, using: &g)
    samplingOffsets = Linear(3, 2, using: &g)
    norm = RMSNorm(3)
    output = Linear(3, 2, using: &g)
    gate = Tensor.zeros([1], requiresGrad: true)
  }
}

@Suite("The training loop")
struct TrainerTests {
  @Test func parameterGroupsFollowTheRules() {
    let groups = ParameterGroup.byRule(RuleModel().namedParameters, weightDecay: 0.05)
    func group(of name: String) -> ParameterGroup {
      groups.first { $0.parameters.contains { $0.name == name } }!
    }
    #expect(group(of: "output.weight").weightDecay == 0.05)
    for name in ["output.bias", "norm.weight", "gate", "embedding.table"] {
      #expect(group(of: name).weightDecay == 0, "\(name) is not decayed")
      #expect(group(of: name).learningRateScale == 1)
    }
    #expect(group(of: "samplingOffsets.weight").learningRateScale == 0.1)
    #expect(group(of: "samplingOffsets.weight").weightDecay == 0.05)
    #expect(group(of: "samplingOffsets.bias").learningRateScale == 0.1)
    #expect(group(of: "samplingOffsets.bias").weightDecay == 0)
    // Every parameter in exactly one group.
    #expect(groups.map(\.parameters.count).reduce(0, +) == 7)
  }

  @Test func scaledPrefixesLearnAtTheirOwnRate() {
    let groups = ParameterGroup.scaling(
      ParameterGroup.byRule(RuleModel().namedParameters, weightDecay: 0.05),
      [("output.", 10), ("samplingOffsets.", 2), ("output.bias", 99)])
    func group(of name: String) -> ParameterGroup {
      groups.first { $0.parameters.contains { $0.name == name } }!
    }
    #expect(group(of: "output.weight").learningRateScale == 10)
    #expect(group(of: "output.weight").weightDecay == 0.05)
    #expect(group(of: "output.bias").learningRateScale == 10)  // the first prefix
    #expect(group(of: "output.bias").weightDecay == 0)
    #expect(group(of: "samplingOffsets.weight").learningRateScale == 0.2)
    #expect(group(of: "norm.weight").learningRateScale == 1)
    #expect(groups.map(\.parameters.count).reduce(0, +) == 7)
  }

  /// The loss of step k: a batch made from k alone.
  static func loss(_ model: TinyModel, step: Int) -> Tensor {
    var g = SeededGenerator(seed: 1000 + UInt64(step))
    let x = Tensor.normal([4, 3], using: &g)
    return crossEntropy(model(x), targets: (0..<4).map { _ in g.nextInt(below: 2) })
  }

  static func configuration(path: String? = nil) -> TrainingConfiguration {
    var configuration = TrainingConfiguration(
      steps: 12, learningRate: 0.05, warmupSteps: 3, minimumLearningRate: 0.005)
    configuration.averageDecay = 0.9
    configuration.checkpointPath = path
    return configuration
  }

  @Test func resumingContinuesBitForBit() throws {
    let path = temporaryPath("trainer-resume.safetensors")
    defer { unlink(path) }
    // N steps in one go.
    let whole = TinyModel()
    let straight = Trainer(whole, Self.configuration())
    try straight.run { Self.loss(whole, step: $0) }

    // k steps, save, a fresh model and trainer resume, N − k steps.
    let first = TinyModel()
    let before = Trainer(first, Self.configuration())
    try before.run(until: 5) { Self.loss(first, step: $0) }
    try before.save(to: path)
    let second = TinyModel(seed: 7)  // other weights: all must come from the file
    let after = Trainer(second, Self.configuration())
    try after.resume(from: path)
    #expect(after.step == 5)
    try after.run { Self.loss(second, step: $0) }

    #expect(
      second.namedParameters.map(\.tensor.data)
        == whole.namedParameters.map(\.tensor.data))
    #expect(after.losses == straight.losses)
    #expect(after.optimizer.stepCount == straight.optimizer.stepCount)
    #expect(after.average!.averages == straight.average!.averages)
    // And the check can fail: a resume whose file lost the optimiser's moments drifts.
    let (tensors, metadata) = try SafeTensors.read(from: path)
    try SafeTensors.write(
      tensors.filter { !$0.key.hasPrefix("optimizer.") }.map { ($0.key, $0.value) },
      metadata: metadata, to: path)
    let third = TinyModel(seed: 7)
    let forgetful = Trainer(third, Self.configuration())
    try forgetful.resume(from: path)
    try forgetful.run { Self.loss(third, step: $0) }
    #expect(
      third.namedParameters.map(\.tensor.data)
        != whole.namedParameters.map(\.tensor.data))
  }

  @Test func checkpointsAreWrittenEveryNSteps() throws {
    let path = temporaryPath("trainer-every.safetensors")
    defer { unlink(path) }
    var configuration = Self.configuration(path: path)
    configuration.checkpointEvery = 4
    let model = TinyModel()
    let trainer = Trainer(model, configuration)
    var savedSteps: [Int?] = []
    try trainer.run(loss: { Self.loss(model, step: $0) }) { _ in
      let saved = try? SafeTensors.read(from: path).metadata["trainer.step"]
      savedSteps.append(saved.flatMap { Int($0) })
    }
    #expect(savedSteps == [nil, nil, nil, 4, 4, 4, 4, 8, 8, 8, 8, 12])
  }

  @Test func ctrlCSavesAndStops() async throws {
    // The child process has its own pid, so the path must not contain one.
    let path = "/tmp/mmi-trainer-interrupt-test.safetensors"
    defer { unlink(path) }
    await #expect(processExitsWith: .exitCode(130), observing: [\.standardErrorContent]) {
      let path = "/tmp/mmi-trainer-interrupt-test.safetensors"
      let model = TinyModel()
      let trainer = Trainer(model, TrainerTests.configuration(path: path))
      try trainer.run { step in
        if step == 6 { raise(SIGINT) }  // the reader presses Ctrl-C during step 6
        return TrainerTests.loss(model, step: step)
      }
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(text.contains("Interrupted after step 7 of 12") && text.contains("saved"))
    }
    let model = TinyModel(seed: 3)
    let resumed = Trainer(model, Self.configuration())
    try resumed.resume(from: path)
    #expect(resumed.step == 7)
  }
}
