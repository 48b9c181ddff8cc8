// Chapter 2's figures: the activation spreads, sheets of digits, the training curves
// and the confusion matrix. The book does not print this file; the page computes what
// they show.
import Autograd
import Datasets
import Notebook

/// The spread of the activations layer by layer, one line per initialisation scheme.
func spreadChart(_ spreads: [(name: String, values: [Double])]) -> LineChart {
  var chart = LineChart(title: "Activation spread through 20 ReLU layers",
                        xLabel: "layer", yLabel: "standard deviation")
  chart.logScaleY = true
  chart.legendPosition = .bottomLeft
  for (name, values) in spreads {
    chart.add(name, values.enumerated().map { (Double($0.offset + 1), $0.element) },
              showsPoints: true)
  }
  return chart
}

/// 8×8 digits in a sheet, 12 to a row, with captions.
func digitSheet(_ images: [[Float]], captions: [String]) -> Canvas {
  Canvas.imageSheet(images, width: 8, height: 8, columns: max(min(images.count, 12), 1),
                    zoom: 8, captions: captions)
}

/// Loss and accuracy per epoch of each named run.
func saveTrainingCharts(
  _ runs: [(name: String, records: [EpochRecord])], chapter: Chapter
) throws {
  var lossChart = LineChart(title: "Loss per epoch", xLabel: "epoch",
                            yLabel: "cross-entropy")
  lossChart.logScaleY = true
  var accuracyChart = LineChart(title: "Validation accuracy per epoch", xLabel: "epoch",
                                yLabel: "accuracy (%)")
  for (name, records) in runs {
    let epochs = records.indices.map { Double($0 + 1) }
    lossChart.add("\(name) training", Array(zip(epochs, records.map(\.trainLoss))))
    lossChart.add("\(name) validation", Array(zip(epochs, records.map(\.validationLoss))))
  }
  for (name, records) in runs {
    let epochs = records.indices.map { Double($0 + 1) }
    let accuracy = records.map { 100 * $0.validationAccuracy }
    accuracyChart.add(name, Array(zip(epochs, accuracy)), showsPoints: true)
  }
  try lossChart.save(to: chapter.figurePath("loss"))
  try accuracyChart.save(to: chapter.figurePath("accuracy"))
}

/// Rows: true digits; columns: predicted.
func confusionFigure(_ confusion: [[Int]]) -> Canvas {
  Canvas.countMatrix(confusion, labels: (0...9).map(String.init),
                     title: "CNN on the test digits", rowTitle: "true digit",
                     columnTitle: "predicted digit")
}

/// ReLU, GELU and SiLU on [−4, 4].
func activationChart() -> LineChart {
  var chart = LineChart(title: "Activation functions", xLabel: "x", yLabel: "f(x)")
  let xs = stride(from: -4.0, through: 4.0, by: 0.05).map { $0 }
  let inputs = Tensor(shape: [xs.count], data: xs.map { Float($0) })
  for (name, outputs) in [("ReLU", inputs.relu()), ("GELU", inputs.gelu()),
                          ("SiLU", inputs.silu())] {
    chart.add(name, Array(zip(xs, outputs.data.map(Double.init))))
  }
  chart.legendPosition = .topLeft
  return chart
}

/// Two panels for one sequence and one head of `weights` [B, h, T, T]: the causal
/// mask (grey: hidden), and the weights with their values written in.
func attentionFigure(weights: Tensor) -> Canvas {
  let t = weights.shape[2]
  let cell = 64, top = 70, gap = 120, left = 110
  var canvas = Canvas(width: left + 2 * t * cell + gap + 30, height: top + t * cell + 70)
  let hidden = Color.lightGrey
  for (panel, title) in ["mask M", "attention weights"]
    .enumerated() {
    let x0 = left + panel * (t * cell + gap)
    canvas.text(title, x: x0 + (t * cell - Canvas.textWidth(title)) / 2, y: 20)
    for row in 0..<t {
      for column in 0..<t {
        let x = x0 + column * cell, y = top + row * cell
        let visible = column <= row
        let weight = Double(weights.data[row * t + column])  // sequence 0, head 0
        let colour = !visible ? hidden
          : panel == 0 ? Color.white : Color.white.mixed(with: Color.palette[0], weight)
        canvas.fill(x: x, y: y, width: cell - 2, height: cell - 2, colour)
        let label = panel == 0 ? (visible ? "0" : "−∞") : String(format2(weight))
        let ink: Color = panel == 1 && weight > 0.55 ? .white : .black
        canvas.text(label, x: x + (cell - 2 - Canvas.textWidth(label)) / 2,
                    y: y + (cell - 16) / 2, ink)
      }
      canvas.text("q\(row + 1)", x: x0 - 40, y: top + row * cell + cell / 2 - 7)
    }
    for column in 0..<t {
      canvas.text("k\(column + 1)", x: x0 + column * cell + cell / 2 - 10,
                  y: top + t * cell + 8)
    }
  }
  let footer = "rows: queries (positions 1-\(t)); columns: keys"
  canvas.text(footer, x: (canvas.width - Canvas.textWidth(footer)) / 2,
              y: top + t * cell + 40, .grey)
  return canvas
}

/// Two decimals, as text ("0.37").
func format2(_ value: Double) -> String {
  let hundredths = Int((value * 100).rounded())
  return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
}
