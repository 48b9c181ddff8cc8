import Autograd
import Layers

/// Gives every parameter of `layer` random values in ±`magnitude`, away from the special
/// points initialisation leaves (zeros, ones), so that a gradient check exercises every
/// path. Shared by the test targets.
public func randomise(_ layer: Layer, seed: UInt64 = 5, magnitude: Float = 0.6) {
  var g = SeededGenerator(seed: seed)
  for p in layer.parameters {
    p.assign((0..<p.count).map { _ in g.uniform(-magnitude, magnitude) })
  }
}
