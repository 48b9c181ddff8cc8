import Autograd

// MARK: book:layer
/// A piece of a model: it owns parameters (its stored `Tensor` properties) and may
/// nest other layers (stored properties that are layers, arrays of layers, or
/// optionals of either).
///
/// Names come from the property names, the way PyTorch's modules name their state:
/// a `Linear` stored as `query` inside a layer stored as `attention` inside the third
/// element of `blocks` owns `blocks.2.attention.query.weight`. Checkpoints use these
/// names, so renaming a property renames its tensors.
///
/// Every stored `Tensor` property is a parameter. State that is not a parameter (a
/// cache, a random generator) must be stored as some other type.
public protocol Layer: AnyObject {}
// MARK: end

extension Layer {
  /// Every parameter of this layer and its sublayers, in declaration order, with
  /// dotted names.
  public var namedParameters: [(name: String, tensor: Tensor)] {
    var found: [(name: String, tensor: Tensor)] = []
    collect(self, prefix: "", into: &found)
    return found
  }

  /// The parameters alone, in the same order.
  public var parameters: [Tensor] { namedParameters.map(\.tensor) }

  /// The number of trainable numbers.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

  /// Clears the gradients of every parameter.
  public func zeroGrad() {
    for parameter in parameters { parameter.zeroGrad() }
  }

  /// Every layer inside this one (itself first), depth first.
  public var allLayers: [Layer] {
    var found: [Layer] = [self]
    for child in Mirror(reflecting: self).children {
      for layer in layers(in: child.value) { found += layer.allLayers }
    }
    return found
  }

  /// Switches layers that behave differently in training (dropout) to training mode.
  public func train() { setTraining(true) }

  /// Switches them to evaluation mode.
  public func eval() { setTraining(false) }

  func setTraining(_ training: Bool) {
    for case let layer as any TrainingModeLayer in allLayers {
      layer.isTraining = training
    }
  }
}

/// A layer whose forward pass differs between training and evaluation.
public protocol TrainingModeLayer: Layer {
  var isTraining: Bool { get set }
}

/// Adds the parameters found in `value` (a layer, a tensor, an array or an optional of
/// those) to `found`, named under `prefix`.
private func collect(
  _ value: Any, prefix: String, into found: inout [(name: String, tensor: Tensor)]
) {
  switch value {
  case let tensor as Tensor:
    found.append((prefix, tensor))
  case let layer as Layer:
    for child in Mirror(reflecting: layer).children {
      guard let label = child.label else { continue }
      collect(child.value, prefix: join(prefix, propertyName(label)), into: &found)
    }
  default:
    let mirror = Mirror(reflecting: value)
    switch mirror.displayStyle {
    case .collection?:
      for (index, element) in mirror.children.enumerated() {
        collect(element.value, prefix: join(prefix, String(index)), into: &found)
      }
    case .optional?:
      if let wrapped = mirror.children.first {
        collect(wrapped.value, prefix: prefix, into: &found)
      }
    default:
      break
    }
  }
}

/// The layers directly held by a property value.
private func layers(in value: Any) -> [Layer] {
  if let layer = value as? Layer { return [layer] }
  let mirror = Mirror(reflecting: value)
  switch mirror.displayStyle {
  case .collection?, .optional?:
    return mirror.children.flatMap { layers(in: $0.value) }
  default:
    return []
  }
}

private func join(_ prefix: String, _ name: String) -> String {
  prefix.isEmpty ? name : prefix + "." + name
}

/// Property wrappers and lazy properties store under "_name" or "$__lazy_storage_$_name".
private func propertyName(_ label: String) -> String {
  if label.hasPrefix("$__lazy_storage_$_") { return String(label.dropFirst(18)) }
  if label.hasPrefix("_") { return String(label.dropFirst()) }
  return label
}
