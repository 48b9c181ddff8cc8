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
