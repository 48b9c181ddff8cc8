import ArgumentParser
import Autograd
import Layers
import Platform

/// `swift run -c release Parity`: writes the cases `Reference/parity.py` checks the
/// PyTorch twin against (`make parity` runs both), and the data the twin trains on.
@main
struct Parity: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "What the PyTorch twin (Reference/) is checked against and trains on.",
    subcommands: [ParityCases.self, TrainingData.self],
    defaultSubcommand: ParityCases.self)
}

/// `Parity cases` (the default): the cases `Reference/parity.py` checks.
struct ParityCases: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cases",
    abstract: "Write parity cases for the PyTorch twin (Reference/).",
    discussion: """
      Each case is a safetensors file: a part of MMI-Tiny (or the whole model, or one \
      AdamW step) with its parameters, random inputs, what our engine computed and the \
      gradients of one backward pass. Checkpoints given as arguments become cases too: \
      the twin loads each file itself and must compute the same outputs.
      """)

  @Option(help: "The folder to write the cases into (made if missing).")
  var output = "Reference/cases"

  @Option(help: "The seed of the layers' weights and the inputs.")
  var seed: UInt64 = 1

  @Argument(help: "Checkpoints written by the chapters (Checkpoints/*.safetensors).")
  var checkpoints: [String] = []

  func run() throws {
    var generator = SeededGenerator(seed: seed)
    var cases = PartCases.all(using: &generator)
    cases.append(ModelCases.jointLoss(using: &generator))
    cases += ModelCases.ablationLosses(using: &generator)
    cases.append(ModelCases.adamW(using: &generator))
    for path in checkpoints {
      do {
        cases.append(try CheckpointCases.record(path, using: &generator))
      } catch {
        throw ValidationError("\(error)")
      }
    }
    do {
      try makeFolders(containing: output + "/case.safetensors")
      for record in cases { try record.write(into: output) }
    } catch {
      throw ValidationError("cannot write the cases into \(output): \(error)")
    }
    print("wrote \(cases.count) parity cases to \(output)/")
  }
}
