// Chapter 10's plumbing: running the ablations' arms (and keeping each arm's result in
// a file, so that a full run can be done in pieces), and the bookkeeping of their
// tables. The book does not print this file; the page shows what it measures.
import Autograd
import Datasets
import Evaluation
import Interleaved
import Language
import Notebook
import Platform
import Training

/// What an ablation trains: the reading arms (text loss on questions, captions, …) or
/// the drawing arms (the U-Net on maps).
enum AblationKind {
  case reading, layouts
}

/// Runs each arm with each seed and scores it, or, in a full run, reads the result a
/// previous run kept in `folder` (delete the folder to train everything again). Each
/// result is kept as soon as it exists: an interrupted run loses one arm at most.
func runArms(
  _ arms: [AblationArm], seeds: [UInt64], kind: AblationKind, budget: AblationBudget,
  tokenizer: BPETokenizer, full: Bool, folder: String?,
  score: (MMInterleaved, AblationArm, UInt64) throws
    -> (scores: [String: Double], samples: [[Float]])
) throws -> [AblationResult] {
  var results: [AblationResult] = []
  for arm in arms {
    for seed in seeds {
      let path = folder.map { "\($0)/\(arm.slug)-seed\(seed).json" }
      if let path, let kept = AblationResult.saved(at: path), kept.steps == budget.steps {
        results.append(kept)
        continue
      }
      let (model, seconds) =
        switch kind {
        case .reading:
          try ReadingAblation.train(
            arm, seed: seed, budget: budget, tokenizer: tokenizer, full: full)
        case .layouts:
          try LayoutAblation.train(
            arm, seed: seed, budget: budget, tokenizer: tokenizer, full: full)
        }
      let (scores, samples) = try score(model, arm, seed)
      let result = AblationResult(
        arm: arm.name, seed: seed, steps: budget.steps, seconds: seconds,
        scores: scores, gates: model.readerGates, samples: samples)
      if let path { try result.save(to: path) }
      results.append(result)
    }
  }
  return results
}

/// A table of `arms` by `scores`: each cell the seeds' values ("41.7 / 38.3 %"), then
/// the yardstick's row.
func ablationRows(
  _ results: [AblationResult], arms: [AblationArm], scores: [String],
  asPercent: Set<String>, yardstick: (name: String, scores: [String: Double])?
) -> [[String]] {
  let show = { (name: String, value: Double) in
    asPercent.contains(name) ? percent(value) : "\(rounded: value, digits: 3)"
  }
  var rows = arms.map { arm in
    let mine = results.filter { $0.arm == arm.name }
    return [arm.name] + scores.map { score in
      mine.map { show(score, $0.scores[score] ?? .nan) }.joined(separator: " / ")
    }
  }
  if let yardstick {
    rows.append(
      [yardstick.name] + scores.map { show($0, yardstick.scores[$0] ?? .nan) })
  }
  return rows
}

/// Each arm's gates and training cost: the gates tanh(α) and the milliseconds per step,
/// each seed's.
func costRows(_ results: [AblationResult], arms: [AblationArm]) -> [[String]] {
  arms.map { arm in
    let mine = results.filter { $0.arm == arm.name }
    return [
      arm.name,
      mine.map { result in
        result.gates.isEmpty
          ? "–" : result.gates.map { formatted($0, significantDigits: 2) }
            .joined(separator: ", ")
      }.joined(separator: " / "),
      mine.map { "\(rounded: $0.secondsPerStep * 1000, digits: 3)" }
        .joined(separator: " / "),
    ]
  }
}

/// The mean of some numbers.
func meanOf(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
