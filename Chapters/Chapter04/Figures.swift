// Chapter 4's figure: what survives the bottleneck. The book does not print this file.
import Notebook

/// Held-out accuracy of each question against the number of visual tokens K (log
/// scale), from the arms that have a resampler.
func bottleneckChart(_ results: [(name: String, tokens: Int?, accuracy: [Double])])
  -> LineChart
{
  var chart = LineChart(title: "What survives the bottleneck",
                        xLabel: "visual tokens per image (K)",
                        yLabel: "held-out accuracy (%)")
  chart.logScaleX = true
  let bottlenecked = results.filter { $0.tokens != nil }
  let questions = ["how many objects", "which shapes", "which cell (fine)"]
  for (k, question) in questions.enumerated() {
    chart.add(question, bottlenecked.map { (Double($0.tokens!), 100 * $0.accuracy[k]) },
              showsPoints: true)
  }
  chart.legendPosition = .bottomRight
  return chart
}
