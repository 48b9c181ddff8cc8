// Chapter 8's plumbing: the over-fitting loop with its progress lines and its clock.
// The book does not print this file; the page shows what it measures.
import Autograd
import Interleaved
import Language
import Layers
import Notebook
import Platform

/// The tokenizer Chapter 6 saved: in a full run its full run's if there is one (its
/// quick one otherwise, which `make demo` leaves: the world's words are merged in full
/// by either), in a quick run the quick one. Stops with the command that makes it if
/// there is none.
func chapter6Tokenizer(full: Bool) -> BPETokenizer {
  let quickPath = "Checkpoints/ch06-tokenizer-quick.txt"
  let fullPath = "Checkpoints/ch06-tokenizer.txt"
  let path = full && access(fullPath, F_OK) == 0 ? fullPath : quickPath
  do {
    return try BPETokenizer.load(from: path)
  } catch {
    stop("Chapter 8 reads the tokenizer that Chapter 6 trains, but \(error). Make it"
         + " with: swift run -c release Chapter06 (about 20 seconds).")
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
