// MARK: book:gradmode
/// Whether operations record the graph. Off inside `withoutGradient { … }`.
///
/// A task-local value rather than a global variable: Swift 6 forbids unprotected
/// global mutable state, and a task-local is scoped to the closure that sets it.
public enum GradMode {
  @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording operations: for evaluation, and for updates of
/// parameters that must not become part of the next step's graph.
public func withoutGradient<R>(_ body: () throws -> R) rethrows -> R {
  try GradMode.$isEnabled.withValue(false, operation: body)
}
// MARK: end

// MARK: book:backward
extension Tensor {
  /// Reverse-mode differentiation from this tensor.
  ///
  /// The seed gradient is 1 for a one-element tensor (a loss); pass `gradient` for
  /// anything else. Every tensor is visited after all tensors that used it, so its
  /// gradient is complete before it is passed on (reverse topological order).
  public func backward(gradient seed: [Float]? = nil) {
    require(requiresGrad, "backward",
            "this tensor does not require gradients: make an input with "
            + "requiresGrad: true, and do not call backward inside withoutGradient")
    let seedValues = seed ?? {
      require(count == 1, "backward",
              "needs a one-element tensor (a loss) or an explicit gradient; "
              + "shape is \(describe(shape))")
      return [1]
    }()
    require(seedValues.count == count, "backward",
            "gradient has \(seedValues.count) values, tensor has \(count)")
    accumulateGrad(seedValues)
    for tensor in topologicalOrder().reversed() {
      guard let node = tensor.node, let gradient = tensor.gradStorage else { continue }
      node.backward(gradient)
      // Intermediate gradients are done once passed on; free them unless asked.
      if !tensor.retainsGrad { tensor.gradStorage = nil }
    }
  }

  // MARK: end
  // MARK: book:backward-order
  /// Every tensor this one depends on (itself included), each after its inputs.
  /// Iterative depth-first search: deep graphs must not overflow the call stack.
  func topologicalOrder() -> [Tensor] {
    var order: [Tensor] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(tensor: Tensor, inputsPushed: Bool)] = [(self, false)]
    while let (tensor, inputsPushed) = stack.popLast() {
      if inputsPushed {
        order.append(tensor)
        continue
      }
      guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
      stack.append((tensor, true))
      for input in tensor.node?.inputs ?? [] where input.requiresGrad {
        if !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
      }
    }
    return order
  }
}
// MARK: end
