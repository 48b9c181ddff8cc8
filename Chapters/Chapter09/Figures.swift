// Chapter 9's figures: losses per task, what the watch read, and sheets of drawings.
import Autograd
import Datasets
import Notebook
import Training

/// Each task's loss over the run (text tasks: the text loss; drawing tasks: the image
/// loss), averaged over windows of its own steps.
func lossChart(_ records: [StepRecord], window: Int) -> LineChart {
  var chart = LineChart(
    title: "Losses by task", xLabel: "step",
    yLabel: "mean loss over \(window) of the task's steps")
  for (task, points) in taskCurves(records, window: window) {
    chart.add(task.rawValue + (task.drawsImages ? " (image)" : " (text)"), points)
  }
  chart.logScaleY = true
  return chart
}

/// The decoder gates tanh(α) and the null slots' share of MMFS's attention, over the
/// run.
func watchChart(_ watch: Watch) -> LineChart {
  var chart = LineChart(title: "MMFS in the decoder", xLabel: "step", yLabel: "")
  let x = watch.steps.map(Double.init)
  for site in watch.gates.first.map({ $0.indices }) ?? 0..<0 {
    chart.add("gate tanh(alpha), layer \(site == 0 ? 1 : 3)",
              Array(zip(x, watch.gates.map { Double($0[site]) })))
    chart.add("null-slot share, layer \(site == 0 ? 1 : 3)",
              Array(zip(x, watch.nullMass.map { Double($0[site]) })))
  }
  chart.legendPosition = .bottomLeft
  return chart
}

/// The condition difference of the red and blue prompts over the run, in %.
func conditionChart(_ watch: Watch) -> LineChart {
  var chart = LineChart(
    title: "Condition difference, \"red\" vs \"blue\" prompt", xLabel: "step",
    yLabel: "% of the condition's size")
  chart.add("|c_red - c_blue| / |c|",
            Array(zip(watch.steps.map(Double.init),
                      watch.conditionDifference.map { Double($0) * 100 })),
            showsPoints: true)
  return chart
}

/// Three rows: the segmentation maps, the scenes drawn from them, the true scenes.
func layoutSheet(_ scenes: [Scene], drawn: Tensor) -> Canvas {
  let n = scenes.count
  let maps = scenes.map { $0.segmentationImage().pixels }
  let truth = scenes.map { $0.render().pixels }
  return Canvas.imageSheet(
    maps + pixelLists(drawn).prefix(n) + truth, width: 32, height: 32, columns: n,
    zoom: 3, rowLabels: ["map", "drawn", "true"])
}

/// Drawings from words, each under the words it was drawn from (shortened).
func wordSheet(_ prompts: [String], drawn: Tensor, columns: Int) -> Canvas {
  Canvas.imageSheet(
    pixelLists(drawn), width: 32, height: 32, columns: columns, zoom: 3,
    captions: prompts)
}
