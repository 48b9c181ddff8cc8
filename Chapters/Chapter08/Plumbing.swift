// Chapter 8's plumbing: the over-fitting loop with its progress lines and its clock.
// The book does not print this file; the page shows what it measures.
import Autograd
import Interleaved
import Language
import Layers
import Notebook
import Platform

/// The tokenizer Chapter 6 saved (`BPETokenizer.savedByChapter6`); stops with the
/// command that makes it if there is none.
func chapter6Tokenizer(full: Bool) -> BPETokenizer {
  do {
    return try BPETokenizer.savedByChapter6(full: full).0
  } catch {
    stop("Chapter 8 reads the tokenizer that Chapter 6 trains, but \(error).")
  }
}

/// `steps` AdamW steps of `model` on `batch` at `rate`, with a line of both losses every
/// `every` steps (placed in the book under the page's `line` that called this);
/// returns both curves and the seconds taken.
func overfit(
  _ model: MMInterleaved, on batch: InterleavedBatch, steps: Int, rate: Float,
  every: Int, using generator: inout SeededGenerator, line: UInt = #line
) -> (text: [Double], image: [Double], seconds: Double) {
  let optimizer = AdamW([ParameterGroup(model.namedParameters)])
  var text: [Double] = [], image: [Double] = []
  let seconds = secondsTaken {
    for step in 1...steps {
      let loss = model.loss(batch, using: &generator)
      loss.total.backward()
      optimizer.step(learningRate: rate)
      optimizer.zeroGrad()
      text.append(Double(loss.text.item))
      image.append(Double(loss.image.item))
      if step % every == 0 {
        show("step \(step): text", formatted(loss.text.item, significantDigits: 3),
             "· image", formatted(loss.image.item, significantDigits: 3), line: line)
      }
    }
  }
  return (text, image, seconds)
}
