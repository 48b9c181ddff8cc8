import Autograd
import Datasets
import Foundation
import Layers
import Training
import Vision

// MARK: book:vqa-accuracy
/// Question answering scored as VQA scores it (Antol et al., 2015; the v2 evaluation
/// code's normalisation). An answer is first normalised: lower case, punctuation
/// dropped, number words written as digits, the articles "a", "an", "the" dropped.
/// With ten human answers per question, the accuracy of an answer is
/// min(1, humans who gave it / 3), averaged over the ten ways of leaving one human
/// out. The world has one true answer per question, so the book scores exact
/// matches of normalised answers: what the formula gives when all ten humans agree.
public enum VQAAccuracy {
  static let numbers = [
    "none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
  ]
  static let articles: Set = ["a", "an", "the"]

  /// The answer as the metric compares it.
  public static func normalised(_ answer: String) -> String {
    let kept = answer.lowercased().map { character -> Character in
      character.isPunctuation ? " " : character
    }
    return String(kept).split(separator: " ").map(String.init)
      .map { numbers[$0] ?? $0 }
      .filter { !articles.contains($0) }
      .joined(separator: " ")
  }

  /// The accuracy of `answer` against the answers of several humans.
  public static func accuracy(_ answer: String, humanAnswers: [String]) -> Double {
    precondition(humanAnswers.count >= 2, "leaving one out needs two humans or more")
    let given = normalised(answer)
    let agree = humanAnswers.map { normalised($0) == given }
    let total = agree.filter { $0 }.count
    let scores = agree.map { leftOut in
      min(1, Double(total - (leftOut ? 1 : 0)) / 3)
    }
    return scores.reduce(0, +) / Double(scores.count)
  }

  /// 1 if `answer` matches the one true answer once both are normalised, else 0.
  public static func exactMatch(_ answer: String, truth: String) -> Double {
    normalised(answer) == normalised(truth) ? 1 : 0
  }
}
// MARK: end

// MARK: book:referring-accuracy
/// Referring expressions as RefCOCO scores them: a box is right when its intersection
/// over union with the true box is at least 0.5 (a box that could not be read is
/// wrong). Returns the share right.
public func referringAccuracy(
  _ predicted: [CellBox?], truth: [CellBox], threshold: Double = 0.5
) -> Double {
  precondition(predicted.count == truth.count && !truth.isEmpty)
  let right = zip(predicted, truth).filter { box, true_ in
    box.map { $0.intersectionOverUnion(true_) >= threshold } ?? false
  }.count
  return Double(right) / Double(truth.count)
}
// MARK: end

// MARK: book:mean-iou
/// Mean intersection over union of class maps, as semantic segmentation reports it:
/// each class's intersections and unions are summed over all the maps first, then
/// each class present (in the truth or the prediction) gives its IoU, and the IoUs are
/// averaged over the classes. `excluding` leaves classes out (the background, say).
public func meanIoU(
  _ predicted: [[Int]], _ truth: [[Int]], classes: Int, excluding: Set<Int> = []
) -> Double {
  precondition(predicted.count == truth.count && !truth.isEmpty)
  var intersection = [Int](repeating: 0, count: classes)
  var union = [Int](repeating: 0, count: classes)
  for (p, t) in zip(predicted, truth) {
    precondition(p.count == t.count, "maps of different sizes")
    for (a, b) in zip(p, t) {
      if a == b {
        intersection[a] += 1
        union[a] += 1
      } else {
        union[a] += 1
        union[b] += 1
      }
    }
  }
  let present = (0..<classes).filter { union[$0] > 0 && !excluding.contains($0) }
  guard !present.isEmpty else { return .nan }
  return present.reduce(0) { $0 + Double(intersection[$1]) / Double(union[$1]) }
    / Double(present.count)
}
// MARK: end

// MARK: book:clip-agreement
/// How well images agree with texts, judged by Chapter 3's mini-CLIP (the idea of
/// CLIPScore, Hessel et al., 2021, with our small CLIP): the cosine between each
/// image's embedding and its text's, averaged over the pairs and times 100. It knows
/// only what the mini-CLIP learnt: colours well, shapes fairly, places poorly.
public func imageTextAgreement(
  _ clip: MiniCLIP, images: Tensor, texts: [String], vocabulary: WordVocabulary
) -> Double {
  precondition(images.shape[0] == texts.count && !texts.isEmpty)
  let ids = texts.flatMap { vocabulary.encode($0, length: MiniCLIP.captionLength) }
  let cosines = withoutGradient {
    let pictures = clip.embedImages(images)  // [N, D], unit length
    let words = clip.embedTexts(ids, batch: texts.count)  // [N, D], unit length
    return (pictures * words).sum(axis: 1).data  // [N]
  }
  return 100 * cosines.reduce(0) { $0 + Double($1) } / Double(cosines.count)
}
// MARK: end

/// The mini-CLIP Chapter 3 saved (its full run's if `full` and there is one).
public func savedMiniCLIP(full: Bool) throws -> MiniCLIP {
  var generator = SeededGenerator(seed: 0)  // overwritten by the file
  let clip = MiniCLIP(
    vision: ImageEncoder(using: &generator).vit, vocabulary: WordVocabulary().count,
    textLength: MiniCLIP.captionLength, using: &generator)
  _ = try MiniCLIP.savedByChapter3.load(into: clip, full: full)
  return clip
}
