// Chapter 1's figures: the finite-difference errors, the training loss and the
// decision regions. The book does not print this file; the page computes what they
// show.
import Autograd
import Notebook

/// The error of forward and central differences against the step size (log–log).
func errorChart(
  forward: [(x: Double, y: Double)], central: [(x: Double, y: Double)]
) -> LineChart {
  var chart = LineChart(title: "Finite-difference error for d tanh(x)/dx at x = 0.5",
                        xLabel: "step size epsilon (Float32 arithmetic)",
                        yLabel: "absolute error")
  chart.logScaleX = true
  chart.logScaleY = true
  chart.add("forward (f(x+e) - f(x)) / e", forward, showsPoints: true)
  chart.add("central (f(x+e) - f(x-e)) / 2e", central, showsPoints: true)
  return chart
}

/// The training loss per step, on a logarithmic scale.
func lossChart(_ losses: [Double]) -> LineChart {
  var chart = LineChart(title: "Training loss of the two-layer network",
                        xLabel: "gradient-descent step", yLabel: "cross-entropy")
  chart.logScaleY = true
  chart.add("training loss", values: losses)
  return chart
}

/// Each pixel of a `size`×`size` view of [−1.2, 1.2]² coloured by predicted class,
/// with the data points drawn over it.
func decisionMap(_ model: TwoLayerNetwork, _ points: Tensor, _ labels: [Int],
                 size: Int) -> Canvas {
  let span: Float = 2.4, zoom = 4
  var grid: [Float] = []
  for row in 0..<size {
    for column in 0..<size {
      grid += [(Float(column) + 0.5) / Float(size) * span - span / 2,
               span / 2 - (Float(row) + 0.5) / Float(size) * span]
    }
  }
  let predicted = withoutGradient {
    model(Tensor(shape: [size * size, 2], data: grid))
  }.argmaxLastAxis()
  var canvas = Canvas(width: size * zoom, height: size * zoom)
  for (i, label) in predicted.enumerated() {
    canvas.fill(x: (i % size) * zoom, y: (i / size) * zoom, width: zoom, height: zoom,
                Color.palette[label].mixed(with: .white, 0.7))
  }
  for (i, label) in labels.enumerated() {
    let px = Double((points.data[2 * i] + span / 2) / span) * Double(size * zoom)
    let py = Double((span / 2 - points.data[2 * i + 1]) / span) * Double(size * zoom)
    canvas.dot(x: px, y: py, radius: 6, .black)
    canvas.dot(x: px, y: py, radius: 4.5, Color.palette[label])
  }
  return canvas
}

