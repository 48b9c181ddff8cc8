// Appendix B's figure: the losses of our engine and of the twin on the same batches.
import Notebook

/// The three runs' losses per batch seen, smoothed over `window` batches (a curve per
/// run; the two-process run sees two batches per step).
func lossCurvesChart(
  ours: [(x: Double, y: Double)], twin: [(x: Double, y: Double)],
  twoProcesses: [(x: Double, y: Double)], window: Int
) -> LineChart {
  var chart = LineChart(
    title: "The same batches, two engines", xLabel: "batches seen",
    yLabel: "loss (mean over \(window) batches)")
  chart.add("ours (Swift), 1 process", smoothed(ours, window: window))
  chart.add(
    "the twin (PyTorch), 1 process", smoothed(twin, window: window), showsPoints: true)
  chart.add(
    "the twin, 2 processes (DDP)", smoothed(twoProcesses, window: max(1, window / 2)))
  return chart
}

/// Means over consecutive windows of points, placed at each window's mean x.
func smoothed(_ points: [(x: Double, y: Double)], window: Int) -> [(x: Double, y: Double)]
{
  stride(from: 0, to: points.count - window + 1, by: window).map { start in
    let slice = points[start..<(start + window)]
    return (
      slice.reduce(0) { $0 + $1.x } / Double(window),
      slice.reduce(0) { $0 + $1.y } / Double(window)
    )
  }
}
