import Autograd
import Layers

/// One parity case as a safetensors file: what a layer was given, what it computed,
/// and the gradients one backward pass left, for the PyTorch twin (`Reference/`) to
/// compute again and compare.
///
/// Names inside the file:
/// - `param.<name>`: the layer's parameters under their checkpoint names;
/// - `input.<name>`: its inputs (flags and indices as 0/1 and whole numbers);
/// - `output.<name>`: what it returned;
/// - `probe.<name>`: the gradient the backward pass was seeded with at that output
///   (a fixed random tensor: every gradient is then a real weighted sum, not a sum of
///   ones);
/// - `grad.param.<name>`, `grad.input.<name>`: the gradients that reached them.
/// The metadata says which case it is and carries its settings as text.
struct ParityCase {
  let name: String
  var tensors: [(name: String, tensor: Tensor)] = []
  var metadata: [String: String]

  init(_ name: String, settings: [String: String] = [:]) {
    self.name = name
    metadata = settings.merging(["case": name]) { _, new in new }
  }

  mutating func parameters(of layer: Layer) {
    tensors += layer.namedParameters.map { ("param." + $0.name, $0.tensor) }
  }

  mutating func input(_ name: String, _ tensor: Tensor) {
    tensors.append(("input." + name, tensor))
  }

  /// Flags as a tensor of 0s and 1s, laid out `shape`.
  mutating func input(_ name: String, flags: [Bool], shape: [Int]) {
    input(name, Tensor(shape: shape, data: flags.map { $0 ? 1 : 0 }))
  }

  /// Whole numbers (token ids, timesteps) as a tensor: exact in Float up to 2²⁴.
  mutating func input(_ name: String, integers: [Int], shape: [Int]) {
    input(name, Tensor(shape: shape, data: integers.map(Float.init)))
  }

  mutating func output(_ name: String, _ tensor: Tensor) {
    tensors.append(("output." + name, tensor.detached()))
  }

  /// Seeds the backward pass at each output with a random probe and runs it once.
  mutating func backward(
    from outputs: [(name: String, tensor: Tensor)], using generator: inout SeededGenerator
  ) {
    let probes = outputs.map { Tensor.normal($0.tensor.shape, using: &generator) }
    for ((name, _), probe) in zip(outputs, probes) {
      tensors.append(("probe." + name, probe))
    }
    // One graph, several seeds: the sum Σ probe·output, as one scalar.
    let total = zip(outputs, probes).map { ($0.tensor * $1).sum() }
      .reduce(Tensor.zeros([])) { $0 + $1 }
    total.backward()
  }

  /// The gradients that reached `named` tensors (parameters or inputs), under `prefix`.
  mutating func gradients(
    _ named: [(name: String, tensor: Tensor)], prefix: String
  ) {
    for (name, tensor) in named {
      guard let gradient = tensor.grad else { continue }
      tensors.append(("grad.\(prefix).\(name)", gradient))
    }
  }

  mutating func parameterGradients(of layer: Layer) {
    gradients(layer.namedParameters, prefix: "param")
  }

  func write(into folder: String) throws {
    let path = "\(folder)/\(name).safetensors"
    try SafeTensors.write(tensors, metadata: metadata, to: path)
  }
}
