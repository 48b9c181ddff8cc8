import Autograd
import Platform

// MARK: book:parameter-rules
extension ParameterGroup {
  /// The parameters split by MM-Interleaved's rules. Deformable sampling offsets learn
  /// at a tenth of the rate (upstream, as Deformable DETR: a large step moves a point
  /// off what it was reading). Weight decay pulls every weight towards zero; it is
  /// kept off what that would only harm: biases, norm gains and gates (the tensors of
  /// one axis) and tables of learned vectors (embeddings, positions, resampler
  /// latents), whose size carries meaning.
  public static func byRule(
    _ parameters: [(name: String, tensor: Tensor)], weightDecay: Float,
    offsetRateScale: Float = 0.1
  ) -> [ParameterGroup] {
    let isOffset = { (name: String) in name.contains("samplingOffsets") }
    let decays = { (name: String, tensor: Tensor) in
      let last = name.split(separator: ".").last.map(String.init) ?? name
      return tensor.rank >= 2 && !["table", "positions", "latents"].contains(last)
    }
    func those(offsets: Bool, decaying: Bool) -> [(name: String, tensor: Tensor)] {
      parameters.filter {
        isOffset($0.name) == offsets && decays($0.name, $0.tensor) == decaying
      }
    }
    let groups = [
      ParameterGroup(those(offsets: false, decaying: true), weightDecay: weightDecay),
      ParameterGroup(those(offsets: false, decaying: false)),
      ParameterGroup(
        those(offsets: true, decaying: true), learningRateScale: offsetRateScale,
        weightDecay: weightDecay),
      ParameterGroup(
        those(offsets: true, decaying: false), learningRateScale: offsetRateScale),
    ]
    return groups.filter { !$0.parameters.isEmpty }
  }

  /// `groups` with the parameters whose names start with a prefix of `scales` moved
  /// into groups of their own, their rate multiplied by its scale (the first matching
  /// prefix counts): a part of a model that must learn faster than the rest.
  public static func scaling(
    _ groups: [ParameterGroup], _ scales: [(prefix: String, scale: Float)]
  ) -> [ParameterGroup] {
    guard !scales.isEmpty else { return groups }
    return groups.flatMap { group in
      let rule = { (name: String) -> Int? in
        scales.firstIndex { name.hasPrefix($0.prefix) }
      }
      var split = [ParameterGroup(
        group.parameters.filter { rule($0.name) == nil },
        learningRateScale: group.learningRateScale, weightDecay: group.weightDecay)]
      for (index, (_, scale)) in scales.enumerated() {
        split.append(ParameterGroup(
          group.parameters.filter { rule($0.name) == index },
          learningRateScale: group.learningRateScale * scale,
          weightDecay: group.weightDecay))
      }
      return split.filter { !$0.parameters.isEmpty }
    }
  }
}
// MARK: end

/// The settings of one training run, with the book's defaults (DESIGN §4).
public struct TrainingConfiguration: Sendable {
  /// Optimiser steps in all.
  public var steps: Int
  /// The peak learning rate, reached after `warmupSteps`, then a cosine decay to
  /// `minimumLearningRate` at the last step.
  public var learningRate: Float = 1e-3
  public var minimumLearningRate: Float = 0
  public var warmupSteps: Int = 0
  public var weightDecay: Float = 0.01
  public var beta2: Float = 0.99
  /// The largest gradient norm a step may take (nil: no clipping).
  public var clipNorm: Float? = 1
  /// Keep an exponential moving average of the weights with this decay (nil: none).
  public var averageDecay: Float? = nil
  /// Save a checkpoint here every `checkpointEvery` steps, at the end, and on Ctrl-C.
  public var checkpointPath: String? = nil
  public var checkpointEvery: Int = 0
  /// The progress bar's label (the bar is drawn only on a terminal).
  public var label = "training"
  /// Parameters (by name prefix) that learn at a multiple of the rate.
  public var learningRateScales: [(prefix: String, scale: Float)] = []
  /// Steps where the schedule starts a new cycle (warm-up, then cosine decay).
  public var restarts: [Int] = []

  public init(
    steps: Int, learningRate: Float = 1e-3, warmupSteps: Int = 0,
    minimumLearningRate: Float = 0
  ) {
    (self.steps, self.learningRate) = (steps, learningRate)
    (self.warmupSteps, self.minimumLearningRate) = (warmupSteps, minimumLearningRate)
  }
}

// MARK: book:trainer
/// The book's one training loop. Each step: the caller's loss for that step's batch,
/// its gradients, clipping, an AdamW step at the scheduled rate, the weight average.
/// The batch of step k must be a function of k alone (a generator seeded from k, or
/// `batches[k % count]`): then the step counter is the whole data position, and a run
/// resumed from a checkpoint continues bit for bit.
public final class Trainer {
  public let parameters: [(name: String, tensor: Tensor)]
  /// The model's parameters that do not train: saved and restored with the others,
  /// so that a checkpoint holds the whole model.
  public let frozenParameters: [(name: String, tensor: Tensor)]
  public let configuration: TrainingConfiguration
  public let optimizer: AdamW
  public let schedule: LearningRateSchedule
  public let average: WeightAverage?
  /// Steps taken so far, and the loss of each.
  public private(set) var step = 0
  public private(set) var losses: [Float] = []
  /// Seconds spent in `run` (this process only).
  public private(set) var seconds: Double = 0
  /// What a caller keeps in every checkpoint besides the trainer's own state (its own
  /// records of the run), asked for at each save; `resume` returns it.
  public var checkpointMetadata: () -> [String: String] = { [:] }
  /// Called with the step's number after its gradients are computed and before they
  /// are clipped and applied: a caller may clear some (`zeroGrad`) to hold those
  /// parameters still for this step.
  public var beforeUpdate: ((_ step: Int) -> Void)? = nil

  /// Trains `model`'s parameters, except those whose names `frozen` picks.
  public convenience init(
    _ model: Layer, _ configuration: TrainingConfiguration,
    frozen: (String) -> Bool = { _ in false }
  ) {
    let all = model.namedParameters
    self.init(
      all.filter { !frozen($0.name) }, configuration,
      frozen: all.filter { frozen($0.name) })
  }

  public init(
    _ parameters: [(name: String, tensor: Tensor)],
    _ configuration: TrainingConfiguration, frozen: [(name: String, tensor: Tensor)] = []
  ) {
    self.parameters = parameters
    frozenParameters = frozen
    self.configuration = configuration
    optimizer = AdamW(
      ParameterGroup.scaling(
        ParameterGroup.byRule(parameters, weightDecay: configuration.weightDecay),
        configuration.learningRateScales),
      beta2: configuration.beta2)
    schedule = LearningRateSchedule(
      base: configuration.learningRate, warmupSteps: configuration.warmupSteps,
      totalSteps: configuration.steps, minimum: configuration.minimumLearningRate,
      restarts: configuration.restarts)
    average = configuration.averageDecay.map {
      WeightAverage(parameters.map(\.tensor), decay: $0)
    }
  }

  // MARK: end
  // MARK: book:trainer-run
  /// Trains until `configuration.steps` (or `until`, if earlier). `loss(k)` returns
  /// the loss of step k's batch; `afterStep(k)` runs after step k's update (for
  /// evaluations along the way).
  public func run(
    until last: Int? = nil, loss: (_ step: Int) throws -> Tensor,
    afterStep: ((_ step: Int) throws -> Void)? = nil
  ) throws {
    let end = min(last ?? configuration.steps, configuration.steps)
    guard step < end else { return }
    var progress = ProgressBar(total: end - step, label: configuration.label)
    let interrupts = InterruptWatch()
    defer { interrupts.stop() }
    let clock = ContinuousClock()
    let started = clock.now
    defer { seconds += (clock.now - started).seconds }
    while step < end {
      let value = takeStep(try loss(step))
      progress.advance(note: " loss \(formatted(value))")
      if let path = configuration.checkpointPath, configuration.checkpointEvery > 0,
        step % configuration.checkpointEvery == 0 || step == configuration.steps
      {
        try save(to: path)
      }
      if interrupts.requested { try stopAfterInterrupt() }
      try afterStep?(step - 1)
    }
  }

  // MARK: end
  // MARK: book:trainer-step
  /// One step on `loss`; returns its value.
  func takeStep(_ loss: Tensor) -> Float {
    loss.backward()
    beforeUpdate?(step)
    if let clipNorm = configuration.clipNorm {
      clipGradientNorm(parameters.map(\.tensor), maxNorm: clipNorm)
    }
    optimizer.step(learningRate: schedule(step))
    optimizer.zeroGrad()
    average?.update()
    step += 1
    losses.append(loss.item)
    return losses[losses.count - 1]
  }
  // MARK: end

  /// Ctrl-C: save where we are (if a checkpoint path is set) and stop.
  func stopAfterInterrupt() throws -> Never {
    if let path = configuration.checkpointPath {
      try save(to: path)
      writeToStandardError(
        "\nInterrupted after step \(step) of \(configuration.steps); saved \(path). "
          + "A run that resumes from it continues exactly where this one stopped.\n")
    } else {
      writeToStandardError(
        "\nInterrupted after step \(step) of \(configuration.steps) (this run keeps "
          + "no checkpoint).\n")
    }
    exit(130)
  }

  /// Saves the parameters, the optimiser's state, the weight average, the step and
  /// the caller's `metadata` (atomically: a crash mid-save leaves the previous file).
  public func save(to path: String, metadata extra: [String: String] = [:]) throws {
    let optimizerState = optimizer.state()
    var tensors = parameters + frozenParameters + optimizerState.tensors
    if let average {
      for ((name, _), values) in zip(parameters, average.averages) {
        tensors.append(("average." + name, Tensor(shape: [values.count], data: values)))
      }
    }
    var metadata = optimizerState.metadata
    metadata["trainer.step"] = String(step)
    metadata["trainer.losses"] =
      losses.map { String($0.bitPattern) }.joined(separator: ",")
    metadata["average.updates"] = average.map { String($0.updates) }
    metadata.merge(extra.merging(checkpointMetadata()) { given, _ in given }) { own, _ in
      own
    }
    try SafeTensors.write(tensors, metadata: metadata, to: path)
  }

  /// Continues from a checkpoint written by `save`: the same parameters (names and
  /// shapes), optimiser state, weight average and step. Returns the file's metadata
  /// (with the caller's own entries).
  @discardableResult
  public func resume(from path: String) throws -> [String: String] {
    let (tensors, metadata) = try SafeTensors.read(from: path, requiresChecksum: true)
    try checkEveryParameterIsSaved(parameters + frozenParameters, in: tensors, path: path)
    guard let steps = metadata["trainer.step"].flatMap({ Int($0) }),
      let lossText = metadata["trainer.losses"]
    else {
      throw CheckpointError.corruptHeader(
        path: path, reason: "no trainer state (it was not written by Trainer.save)")
    }
    try optimizer.restore(tensors: tensors, metadata: metadata, path: path)
    if let average {
      let values = try parameters.map { name, parameter in
        guard let saved = tensors["average." + name], saved.count == parameter.count
        else {
          throw CheckpointError.missingTensor(path: path, name: "average." + name)
        }
        return saved.data
      }
      let updates = metadata["average.updates"].flatMap { Int($0) } ?? 0
      average.restore(values, updates: updates)
    }
    for (name, parameter) in parameters + frozenParameters {
      parameter.assign(tensors[name]!.data)
    }
    step = steps
    losses = lossText.split(separator: ",").compactMap { UInt32($0) }
      .map { Float(bitPattern: $0) }
    return metadata
  }
}

/// Watches for Ctrl-C (SIGINT) while a run is going: the first press asks the loop to
/// stop after the current step; the handler is removed when the run ends.
final class InterruptWatch {
  init() {
    interruptRequested = 0
    signal(SIGINT) { _ in interruptRequested = 1 }
    // A process started with SIGINT blocked (some launchers do) would never see it.
    var interrupt = sigset_t()
    sigemptyset(&interrupt)
    sigaddset(&interrupt, SIGINT)
    sigprocmask(SIG_UNBLOCK, &interrupt, nil)
  }

  var requested: Bool { interruptRequested != 0 }

  func stop() { signal(SIGINT, SIG_DFL) }
}

/// Set by the SIGINT handler; a signal handler may only write a `sig_atomic_t`.
nonisolated(unsafe) private var interruptRequested: sig_atomic_t = 0
