// Chapter 6's figures and timings. The book does not print this file; the page
// computes what they show.
import Autograd
import Notebook

/// The mean similarity of a vector with itself turned by Δ positions, as a chart.
func ropeChart(_ points: [(x: Double, y: Double)]) -> LineChart {
  var chart = LineChart(title: "RoPE: a vector against itself, Δ positions apart",
                        xLabel: "distance Δ (positions)",
                        yLabel: "mean cosine similarity")
  chart.add("head width 32, base 10000", points)
  return chart
}

/// The training and held-out loss curves; in a full run also recorded for the book.
func saveLossFigure(
  _ chapter: Chapter, training: [(x: Double, y: Double)],
  heldOut: [(x: Double, y: Double)]
) throws {
  var chart = LineChart(title: "Next-token loss", xLabel: "step",
                        yLabel: "cross-entropy (nats per token)")
  chart.add("training batch", training)
  chart.add("held-out text", heldOut, showsPoints: true)
  try chart.save(to: chapter.figurePath("loss"))
  if let path = chapter.fullRunFigurePath("loss") {
    try chart.save(to: path)
    try chapter.recordFullRun(
      "loss", "![The loss curves of the full run.](\(path)){width=85%}")
  }
}

/// `body`'s result and the best of `repeats` times.
func timed<T>(repeats: Int, _ body: () -> T) -> (T, Double) {
  var result: T?
  let seconds = bestSeconds(repeats: repeats) { result = body() }
  return (result!, seconds)
}

