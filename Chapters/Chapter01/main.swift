/*:
# Tensors and reverse-mode autograd

Every model in this book, from the Vision Transformer to the diffusion U-Net, is
trained the same way: compute a loss, then ask how the loss changes when each of
millions of parameters changes, and nudge every parameter downhill. This chapter
builds the machine that answers the question: a tensor type that remembers how each
value was computed, and *reverse-mode automatic differentiation* (autograd), which
walks that record backwards to get every derivative in one pass.

We start from a single number with a backward closure, grow it into an
n-dimensional tensor with broadcasting, reductions and matrix multiplication through
BLAS, make softmax and cross-entropy numerically safe, prove our derivatives right
with finite differences, and finish by training a small network on a toy problem.

**What to expect.** The quick run (`swift run -c release Chapter01`) takes about a
second on a 2-core laptop and under 100 MB of memory; `--full` multiplies larger
matrices and trains the final network four times longer (a few seconds). The
network of the last section should reach at least 95% training accuracy on the
three-armed spiral; the run below prints what it reached. Every number in this
chapter comes from that run.
*/
import Autograd
import Exercises
import Notebook
import Platform

var chapter = Chapter.begin(number: 1, title: "Tensors and reverse-mode autograd",
                            exercises: checkChapter01Exercise)
/*:
The first line says which size ran and with which seed. Every random number in the
book comes from one generator of our own, `SeededGenerator`, created from that seed
and passed explicitly to whatever needs it, so the same seed prints the same
transcript on every machine:

@code(rng)

> **Swift sidebar: `struct` and `inout`.** The generator is a `struct`, a value type:
> copying it copies its state, like a Python tuple rather than a Python object. A
> function that draws numbers takes it `inout` (`using generator: inout
> SeededGenerator`, called with `&generator`) so that the caller's copy advances. No
> global generator exists; Swift 6 forbids unprotected global mutable state.

Chapters print with `show` rather than `print`. It rounds numbers to four
significant digits, so that tiny differences in the last bits between machines do
not change the transcript, and it knows which line of the chapter called it:

@code(show)

> **Swift sidebar: `#line` as a default argument.** A default value of `#line` is
> filled in *at the call site*, so `show` receives the line number of the code that
> called it. When the book is built, each printed line carries that number, and the
> builder places the output right under the code cell it came from.

## A number that remembers where it came from

Take L = tanh(a·b + c). By the chain rule,
$$\frac{\partial L}{\partial a} = (1 - L^2)\, b,\qquad
\frac{\partial L}{\partial b} = (1 - L^2)\, a,\qquad
\frac{\partial L}{\partial c} = 1 - L^2.$$
Autograd computes these without us writing them down. Each value keeps the values it
was made from and a closure, `sendBack`, that knows the local derivatives of the one
operation that made it. Given ∂L/∂(this value), the closure adds
∂L/∂(input) = ∂L/∂(this value) · ∂(this value)/∂(input) to each input's gradient.
*/
/// A teaching version of autograd on single numbers (the library's `Tensor` is the
/// same idea on arrays).
final class Scalar {
  let value: Double
  var grad = 0.0
  let inputs: [Scalar]
  let sendBack: (_ gradient: Double) -> Void

  init(_ value: Double, inputs: [Scalar] = [],
       sendBack: @escaping (Double) -> Void = { _ in }) {
    self.value = value
    self.inputs = inputs
    self.sendBack = sendBack
  }
}

func + (a: Scalar, b: Scalar) -> Scalar {
  Scalar(a.value + b.value, inputs: [a, b]) { g in
    a.grad += g  // ∂(a + b)/∂a = 1
    b.grad += g
  }
}

func * (a: Scalar, b: Scalar) -> Scalar {
  Scalar(a.value * b.value, inputs: [a, b]) { g in
    a.grad += g * b.value  // ∂(a·b)/∂a = b
    b.grad += g * a.value
  }
}

func tanh(_ a: Scalar) -> Scalar {
  let t = tanh(a.value)
  return Scalar(t, inputs: [a]) { g in a.grad += g * (1 - t * t) }
}
/*:
> **Swift sidebar: classes and closures.** `Scalar` is a `class`, a reference type:
> two variables can refer to the same node, which is what a graph needs (the `a` in
> `a * b` and the `a` whose gradient we read are one object). The trailing closure
> `{ g in ... }` captures `a` and `b`, so the node can reach its inputs later,
> during the backward pass.

Calling `sendBack` on the output alone is not enough: the gradient must travel
through every node, and a node may pass its gradient on only once it has received
all of it, that is, after every node that *used* it. An order in which every node
comes after its inputs is a *topological order*; the backward pass runs it in
reverse.
*/
extension Scalar {
  /// Every node this one depends on, each after its inputs (depth-first search).
  func topologicalOrder() -> [Scalar] {
    var order: [Scalar] = []
    var visited = Set<ObjectIdentifier>()
    func visit(_ node: Scalar) {
      guard visited.insert(ObjectIdentifier(node)).inserted else { return }
      for input in node.inputs { visit(input) }
      order.append(node)
    }
    visit(self)
    return order
  }

  /// dL/d(every node) for L = self.
  func backward() {
    grad = 1  // ∂L/∂L
    for node in topologicalOrder().reversed() { node.sendBack(node.grad) }
  }
}

let a = Scalar(0.5), b = Scalar(-1.5), c = Scalar(0.25)
let loss = tanh(a * b + c)
loss.backward()
let slope = 1 - loss.value * loss.value
show("L =", loss.value)
show("autograd:  dL/da =", a.grad, " dL/db =", b.grad, " dL/dc =", c.grad)
show("by hand:   dL/da =", slope * b.value, " dL/db =", slope * a.value,
     " dL/dc =", slope)
/*:
The two lines agree. Notice the `+=` in every closure: when a value feeds two
operations, it receives a gradient from each, and they add up (the multivariate
chain rule sums over paths). Here x is used three times in y = x·x + x, so
dy/dx = 2x + 1:
*/
let x = Scalar(3)
let y = x * x + x
y.backward()
show("y = x·x + x at x = 3:  dy/dx = \(rounded: x.grad)",
     " (2x + 1 = \(rounded: 2 * x.value + 1))")
/*:
Why run the chain rule backwards? It could also run forwards: seed one input with
derivative 1, and carry "how much does this value move when that input moves" along
with every value, from the inputs to the output. That is *forward mode*, and one pass
gives the derivative of every output with respect to *one* input. Reverse mode, what
we built, gives the derivative of *one* output with respect to *every* input in one
backward pass. Training has one output, the loss, and millions of inputs, the
parameters: forward mode would need a pass per parameter, reverse mode one pass in
all, at the price of remembering the graph until the backward pass has used it.

## From numbers to tensors

One node per number would be hopelessly slow for a network with a million
parameters. The library's `Tensor` keeps the same idea but makes each node an
operation on a whole array: one closure per matrix multiply, not one per
multiply-add.

@code(tensor)

A leaf holds data and nothing else. The result of an operation is made by a second
initialiser, which records how to send a gradient back, but only when one is wanted:

@code(tensor-operation)

The values live in one contiguous `[Float]` in *row-major* order: the last axis
varies fastest. A tensor of shape [2, 3] stores row 0, then row 1, and element
(i, j) is at index 3i + j. Contiguous storage keeps the inner loops simple and hands
BLAS exactly the layout it wants. The price is that a transpose moves data; we will
see how to avoid most transposes by telling BLAS instead. (Two lines in the
initialisers above are for measuring, not computing: `TensorAllocations` counts the
bytes created, so that benchmarks can report the memory a layer costs, and
`OperationProfile` charges time to operations; Appendix A uses both.)
*/
let table = Tensor([[1, 2, 3], [4, 5, 6]])
show("shape", table.shape, "storage", table.data)
show("element [1, 2] =", table[1, 2], "at storage index", 1 * 3 + 2)
show(table)
/*:
## Broadcasting, forward and backward

Adding a bias of shape [3] to every row of a [2, 3] matrix is *broadcasting*: shapes
are aligned on the right, and an axis of size 1 (or a missing one) is repeated to
match.

@code(broadcast-shape)

Forward, broadcasting is only indexing. Backward, it has a consequence that is easy
to get wrong: a value that was *repeated* along an axis influenced every copy, so its
gradient is the **sum** of the gradients of all its copies. Every binary operation
therefore ends its backward by summing the incoming gradient down to each input's
own shape:

@code(sum-to-shape)

With it, addition is short:

@code(add)
*/
let rows = Tensor([[1, 2, 3], [4, 5, 6]], requiresGrad: true)  // [2, 3]
let bias = Tensor([10, 20, 30], requiresGrad: true)              // [3]
let shifted = rows + bias                                        // [2, 3]
show(shifted)
(shifted * shifted).sum().backward()
show("d/d(bias) of Σ(rows + bias)² = 2·column sums of (rows + bias):")
show(bias.grad!)
/*:
The bias was added to both rows, so it collected 2·(11 + 14) = 50 in its first
entry, and so on: the column sums.

## The graph: order, accumulation, zeroing, no-grad

`backward()` is the tensor version of `Scalar.backward`. The depth-first search is
written with an explicit stack instead of recursion, because a graph thousands of
operations deep (a long training step) would overflow the call stack:

@code(backward)

The order comes from a depth-first search, also with its own stack: a node is pushed
back once its inputs have been visited, so that it lands in the order after them:

@code(backward-order)

Three behaviours follow from this code, and each trips readers up at least once.

*Gradients accumulate.* `accumulateGrad` adds; nothing resets a leaf's gradient. Two
backward passes give the sum of both gradients. That is useful (summing over several
small batches), but a training loop must clear gradients before each step with
`zeroGrad()`.

*Intermediate gradients are freed.* Once a node has passed its gradient on, the
buffer is released (ask to keep one with `retainGrad()`). Leaves, such as
parameters, keep theirs.

*No-grad mode.* Operations on tensors that require gradients record the graph. When
we only evaluate, or when we update parameters in place, recording is wasted work
and memory, so `withoutGradient { … }` turns it off:

@code(gradmode)
*/
let w = Tensor([1, 2, 3], requiresGrad: true)
(w * w).sum().backward()
show("after one backward:  ", w.grad!)
(w * w).sum().backward()
show("after a second one:  ", w.grad!, " (accumulated)")
w.zeroGrad()
show("after zeroGrad:      ", w.grad.map { "\($0)" } ?? "nil")
let evaluated = withoutGradient { w * w }
show("inside withoutGradient, requiresGrad =", evaluated.requiresGrad,
     "and the result is a leaf:", evaluated.isLeaf)
/*:
> **Swift sidebar: task-local values.** `GradMode.isEnabled` is a `@TaskLocal`
> static property: `withValue(false) { … }` changes it only for the code inside the
> closure (and tasks it starts), then restores it, even if the closure throws. It is
> Swift's safe replacement for the global flag PyTorch's `torch.no_grad()` uses.

## Elementwise functions, and a faster exp

A unary function needs its value and its derivative; the derivative is often cheaper
from the output (d eˣ/dx = eˣ, d tanh x/dx = 1 − tanh² x), so it receives both:

@code(unary)

Each function is then a small type with its two formulas:

@code(unary-functions)

> **Swift sidebar: generics and specialisation.** `apply` is generic over the
> function's type. For each concrete type (`Exp`, `Tanh`, …) the compiler makes a
> specialised copy of `apply` in which `value` and `derivative` are ordinary inlined
> code, so both loops become vector instructions. Storing two closures instead would
> leave an indirect call on every element; the timings below compare the two. For
> one-off experiments `x.map("name", f, derivative: df)` takes closures anyway.

Networks evaluate exponentials by the billion (in softmax, sigmoid, tanh, GELU,
SiLU), and glibc's `expf` and `tanhf` are slow, `tanhf` especially (the timings below
measure both). Our own version splits x into n·ln 2 + r, makes 2ⁿ by writing the
exponent bits of a Float directly, and evaluates a short polynomial for eʳ:

@code(fast-exp)

On those two pieces stand the functions the layers call. The tanh is written through
eˣ − 1, computed without subtracting two nearly equal numbers, so that it keeps its
relative precision for the small inputs where e²ˣ − 1 from eˣ would lose its digits:

@code(fast-exp-functions)

We check it against the C library in double precision over the whole useful range,
and time both on a million values:
*/
var worstExp = 0.0, worstTanh = 0.0
for i in 0...100_000 {
  // Compare at the Float input itself: rounding v to Float is not the function's error.
  let v = Float(-80 + Double(i) * 160 / 100_000), u = v / 8
  let e = exp(Double(v)), t = tanh(Double(u))
  worstExp = max(worstExp, abs(Double(FastMath.exp(v)) - e) / e)
  worstTanh = max(worstTanh, abs(Double(FastMath.tanh(u)) - t) / max(abs(t), 1e-30))
}
show("largest relative error: exp", worstExp, " tanh", worstTanh)

/// Applies `f` to every value, the way the library's elementwise kernels loop.
@inline(__always)
func applied(_ values: [Float], _ f: (Float) -> Float) -> [Float] {
  var out = [Float](repeating: 0, count: values.count)
  values.withUnsafeBufferPointer { x in
    out.withUnsafeMutableBufferPointer { o in
      for i in 0..<x.count { o[i] = f(x[i]) }
    }
  }
  return out
}

let million = Tensor.uniform([1_000_000], low: -5, high: 5, using: &chapter.generator)
let billionsPerSecond = { (seconds: Double) in "\(rounded: 1e6 / seconds / 1e9) G/s" }
let glibcExp = bestSeconds(repeats: 5) { _ = applied(million.data) { expf($0) } }
let glibcTanh = bestSeconds(repeats: 5) { _ = applied(million.data) { tanhf($0) } }
let oursExp = bestSeconds(repeats: 5) { _ = withoutGradient { million.exp() } }
let oursTanh = bestSeconds(repeats: 5) { _ = withoutGradient { million.tanh() } }
showTiming("1M × exp: glibc \(billionsPerSecond(glibcExp)), "
           + "ours \(billionsPerSecond(oursExp))", seconds: oursExp)
showTiming("1M × tanh: glibc \(billionsPerSecond(glibcTanh)), "
           + "ours \(billionsPerSecond(oursTanh))", seconds: oursTanh)
// Backward of tanh through the specialised `apply` and through two closures (`map`).
let input = Tensor(shape: million.shape, data: million.data, requiresGrad: true)
let ones = [Float](repeating: 1, count: million.count)
for (name, makeTanh) in [
  ("apply(Tanh())", { input.tanh() }),
  ("map(closures)", {
    input.map("tanh", FastMath.tanh, derivative: { _, y in 1 - y * y })
  }),
] {
  let seconds = bestSeconds(repeats: 5) {
    makeTanh().backward(gradient: ones)
    input.zeroGrad()
  }
  showTiming("1M × tanh forward + backward via \(name)", seconds: seconds)
}
/*:
A relative error of a few parts in 10⁷ is at the level of Float32's own rounding,
6·10⁻⁸, and the `⏱` lines show what the rewrite buys in speed.

## Reductions

Sums, means, maxima and variances over chosen axes reduce the array; backward undoes
the reduction's shape. For the sum, every element moved the total by exactly its own
change, so the gradient is the incoming one repeated along the reduced axes:

@code(sum)

The mean is the sum times 1/n; the variance is built from the mean, subtraction and
multiplication, so its backward comes for free from theirs. The maximum sends the
gradient only to the element that won.
*/
let scores = Tensor([[1, 5, 3], [4, 2, 6]], requiresGrad: true)  // [2, 3]
show("sum over axis 0:", scores.sum(axis: 0), "  max over axis 1:", scores.max(axis: 1))
show("mean:", scores.mean(), "  variance:", scores.variance())
scores.max(axis: 1).sum().backward()
show("gradient of Σ row maxima (1 where the maximum was):")
show(scores.grad!)
/*:
## Matrix multiplication: from loops to BLAS

Almost all the arithmetic of a transformer or a U-Net is matrix multiplication, so
its speed is the model's speed. The definition is three loops,
C[i, j] = Σₖ A[i, k]·B[k, j]. Written that way the innermost loop walks down a
column of B, jumping a whole row in memory at each step. Swapping the two inner
loops (i, k, j) makes every inner access contiguous, which the compiler turns into
vector instructions. The next rung is a tuned library: OpenBLAS's `cblas_sgemm`
blocks the matrices for every cache level and uses hand-written vector kernels
(Appendix A climbs the rungs in between).

@code(matmul-naive)

@code(matmul-loop-order)

> **Swift sidebar: unsafe buffer pointers.** `withUnsafeBufferPointer` lends a
> closure a raw view of an array's storage: indexing it skips Swift's bounds checks
> and copy-on-write checks, which would otherwise sit in the innermost loop. The
> pointer is valid only inside the closure. The library's kernels are written this
> way; nowhere else needs it.

All three must agree (up to rounding, since they add in different orders), and we
measure each in GFLOP/s: a product of n×n matrices takes 2n³ floating-point
operations.
*/
let n = chapter.size(quick: 256, full: 512)
let left = Tensor.normal([n, n], using: &chapter.generator)
let right = Tensor.normal([n, n], using: &chapter.generator)
let viaBLAS = matmul(left, right)
let viaLoops = matmulLoopOrder(left.data, right.data, m: n, k: n, n: n)
let viaNaive = matmulNaive(left.data, right.data, m: n, k: n, n: n)
// Entries are sums of n products of N(0, 1) values, of size about √n = 16; Float32
// rounding in a different order moves them by about 1e-5, so 1e-3 is a safe bound.
let gap = zip(viaBLAS.data, viaLoops).map { abs($0 - $1) }.max()!
let gapNaive = zip(viaBLAS.data, viaNaive).map { abs($0 - $1) }.max()!
show("\(n)×\(n) product: loops and naive loops agree with BLAS within 1e-3:",
     gap < 1e-3 && gapNaive < 1e-3 ? "OK" : "NOT OK")

let flops = 2 * Double(n * n * n)
let naiveSeconds = bestSeconds(repeats: 2) {
  _ = matmulNaive(left.data, right.data, m: n, k: n, n: n)
}
let loopSeconds = bestSeconds(repeats: 3) {
  _ = matmulLoopOrder(left.data, right.data, m: n, k: n, n: n)
}
let blasSeconds = bestSeconds(repeats: 5) { _ = matmul(left, right) }
for (name, seconds) in [("naive i-j-k loops", naiveSeconds),
                        ("i-k-j loops", loopSeconds), ("OpenBLAS sgemm", blasSeconds)] {
  showTiming("\(name): \(rounded: flops / seconds / 1e9) GFLOP/s", seconds: seconds)
}
/*:
On the machine that built this book, BLAS is one to two orders of magnitude ahead of
the loops (the `⏱` lines above), and that gap is why every matrix product in the
library goes through it:

@code(matmul)

Backward needs two more products, dA = dC·Bᵀ and dB = Aᵀ·dC. BLAS can read either
operand transposed, so these are flags, not copies; the same flags let attention
compute Q·Kᵀ without materialising Kᵀ. When a real reordering of axes is needed
(splitting attention heads, for instance), `permuted` moves the data and its
backward moves the gradient back with the inverse permutation:

@code(permute)

## Softmax and cross-entropy, computed stably

A classifier's scores (logits) become probabilities through the softmax,
$$\mathrm{softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}.$$
Computed literally it overflows: $e^{1000}$ is infinite in Float32 (anything above
$e^{88.7}$ is), and ∞/∞ is not a number.
*/
let logits = Tensor([1000, 1001, 1002])
let literal = logits.data.map { expf($0) }
let literalSum = literal.reduce(0, +)
show("literal softmax of [1000, 1001, 1002]:", Tensor(literal.map { $0 / literalSum }))
show("stable softmax:                      ", logits.softmax())
/*:
Subtracting the largest logit first changes nothing mathematically (the factor
$e^{-\max_j x_j}$ cancels) and makes every exponent ≤ 0:

@code(softmax)

Its backward pass needs only the output y: the gradient of row x is
y ⊙ (g − ⟨g, y⟩), the incoming gradient minus its y-weighted mean, times y:

@code(softmax-backward)

The loss of a classifier is the cross-entropy, −log softmax(x)[t] for the correct
class t, averaged over a batch. Written as logsumexp(x) − x[t] it never forms the
probabilities, and its gradient is the famous softmax(x) − onehot(t). Language models
pad their batches; a target equal to `ignoreIndex` counts neither in the sum nor in
the mean:

@code(cross-entropy)

The mean over the counted rows, and the backward pass: softmax minus one-hot, divided
by the count, with ignored rows getting no gradient:

@code(cross-entropy-backward)

A token's logits come from its embedding, a row of a table picked by the token's
index; gathering rows is an operation too, whose backward adds each gradient into
the row it came from:

@code(gather)
*/
let classScores = Tensor([[2, 1, -1], [0.5, 0.5, 3], [1, 1, 1]], requiresGrad: true)
let batchLoss = crossEntropy(classScores, targets: [0, 2, -100], ignoreIndex: -100)
batchLoss.backward()
show("cross-entropy over the two counted rows:", batchLoss)
show("its gradient (softmax − onehot, over 2; the ignored row gets none):")
show(classScores.grad!)
/*:
## Gradient checking

Every backward closure in the library is hand-written, and a wrong one does not
crash: the model just learns worse, or not at all. So every operation is tested
against the definition of the derivative. For a function L of x,
$$\frac{L(x+\varepsilon) - L(x-\varepsilon)}{2\varepsilon}
  = L'(x) + \frac{\varepsilon^2}{6} L'''(x) + O(\varepsilon^4),$$
because the even terms of the two Taylor expansions cancel. The one-sided difference
(L(x + ε) − L(x))/ε keeps an error of order ε. Making ε small does not help beyond a
point: L is computed in Float32 with a relative rounding error near 6·10⁻⁸, and
dividing that by ε amplifies it. The total error is smallest for a middling ε, and
the plot below, computed for d tanh(x)/dx at x = 0.5, shows both effects.
*/
var forwardErrors: [(x: Double, y: Double)] = []
var centralErrors: [(x: Double, y: Double)] = []
let point: Float = 0.5
let exactSlope = 1 - Double(FastMath.tanh(point) * FastMath.tanh(point))
for k in 0...24 {
  let epsilon = Float(pow(10, -0.25 * Double(k)))  // 1 down to 1e-6
  let probe = { (v: Float) in Double(Tensor([v]).tanh().item) }
  let forward = (probe(point + epsilon) - probe(point)) / Double(epsilon)
  let central = (probe(point + epsilon) - probe(point - epsilon)) / (2 * Double(epsilon))
  forwardErrors.append((Double(epsilon), max(abs(forward - exactSlope), 1e-12)))
  centralErrors.append((Double(epsilon), max(abs(central - exactSlope), 1e-12)))
}
try errorChart(forward: forwardErrors, central: centralErrors)
  .save(to: chapter.figurePath("finite-differences"))
let bestCentral = centralErrors.min { $0.y < $1.y }!
show("central differences are most accurate near epsilon =", bestCentral.x,
     "with error", bestCentral.y)
/*:
![Error of forward and central differences against the step ε, on log–log axes.
Right of the minimum, the Taylor error falls with ε (slope 1 for forward, 2 for
central differences); left of it, Float32 rounding divided by ε dominates and grows.
The numbers are in
`Figures/ch01-finite-differences.csv`.](Figures/ch01-finite-differences.png){width=90%}

The library's check follows this analysis. It projects the output on a random
direction (so that no error can hide by cancelling), differentiates once with
backward, and compares every input element with central differences at ε = 10⁻²,
with a tolerance the comment justifies:

@code(gradcheck)

The check itself begins with the analytic side: project the output on a random
direction and take one backward pass, which gives every input's gradient at once:

@code(gradcheck-run)

Then the numeric side: nudge every input element both ways, evaluate the projected
output without recording a graph, and compare the central difference with the
analytic value within the tolerance:

@code(gradcheck-numeric)

The test suite runs it on every differentiable operation, with broadcast shapes
among them. A check that always says OK proves nothing, so here it is on a correct
tanh and on one with a deliberately wrong derivative (1 − y instead of 1 − y²):
*/
let probePoints = Tensor.uniform([3, 4], low: -2, high: 2, using: &chapter.generator,
                                 requiresGrad: true)
let goodReport = checkGradients(at: [probePoints], using: &chapter.generator) {
  $0[0].tanh()
}
let badReport = checkGradients(at: [probePoints], using: &chapter.generator) {
  $0[0].map("wrong tanh", FastMath.tanh, derivative: { _, y in 1 - y })
}
show("tanh:              ", goodReport)
show("tanh, wrong backward:", badReport)
let matmulReport = checkGradients(
  at: [Tensor.normal([2, 3, 4], using: &chapter.generator, requiresGrad: true),
       Tensor.normal([5, 4], using: &chapter.generator, requiresGrad: true)],
  using: &chapter.generator
) { matmul($0[0], $0[1], transposingB: true).softmax() }
show("softmax(A·Bᵀ), batched:", matmulReport.passed ? "OK" : "NOT OK")
/*:
## A first fit: a two-layer network on a spiral

Time to learn something. The data are points of the plane in three interleaved
spiral arms, one class per arm; no straight line separates them. The model is the
smallest network that can bend its decision boundaries: a hidden layer,
h = tanh(x·W₁ + b₁), and class scores s = h·W₂ + b₂, trained by plain gradient
descent on the cross-entropy. Chapter 2 builds layers and optimisers properly; here
everything is written out.
*/
/// Points on `classes` spiral arms with a little noise: [N, 2] and labels.
func spiral(pointsPerClass: Int, classes: Int, using generator: inout SeededGenerator)
  -> (points: Tensor, labels: [Int])
{
  var coordinates: [Float] = [], labels: [Int] = []
  for label in 0..<classes {
    for i in 0..<pointsPerClass {
      let radius = Float(i) / Float(pointsPerClass)
      let angle = Float(label) * 4.19 + radius * 4.5 + generator.nextNormal() * 0.2
      coordinates += [radius * sinf(angle), radius * cosf(angle)]
      labels.append(label)
    }
  }
  return (Tensor(shape: [pointsPerClass * classes, 2], data: coordinates), labels)
}

/// The network's parameters.
struct TwoLayerNetwork {
  var w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor
  var parameters: [Tensor] { [w1, b1, w2, b2] }

  init(hidden: Int, classes: Int, using generator: inout SeededGenerator) {
    // Weights ~ N(0, 1/fan-in) keep the pre-activations near unit scale (Chapter 2).
    w1 = Tensor.normal([2, hidden], std: 1 / Float(2).squareRoot(), using: &generator,
                       requiresGrad: true)
    b1 = Tensor.zeros([hidden], requiresGrad: true)
    w2 = Tensor.normal([hidden, classes], std: 1 / Float(hidden).squareRoot(),
                       using: &generator, requiresGrad: true)
    b2 = Tensor.zeros([classes], requiresGrad: true)
  }

  func callAsFunction(_ x: Tensor) -> Tensor {
    let hidden = (matmul(x, w1) + b1).tanh()  // [B, H]
    return matmul(hidden, w2) + b2            // [B, classes]
  }
}

/// One step of gradient descent: θ ← θ − η·∂L/∂θ, then clear the gradients.
func descend(_ parameters: [Tensor], learningRate: Float) {
  for parameter in parameters {
    guard let gradient = parameter.gradValues else { continue }
    parameter.withUnsafeMutableData { values in
      for i in 0..<values.count { values[i] -= learningRate * gradient[i] }
    }
    parameter.zeroGrad()
  }
}

func accuracy(_ scores: Tensor, _ labels: [Int]) -> Double {
  let predicted = scores.argmaxLastAxis()
  return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
}
/*:
The training loop is four lines: forward, loss, backward, step. Everything we built
in this chapter runs inside them.
*/
let data = spiral(pointsPerClass: 100, classes: 3, using: &chapter.generator)
var network = TwoLayerNetwork(hidden: chapter.size(quick: 32, full: 64), classes: 3,
                              using: &chapter.generator)
let steps = chapter.size(quick: 1500, full: 6000)
var lossHistory: [Double] = []
var progress = ProgressBar(total: steps, label: "training")
let trainingSeconds = secondsTaken {
  for step in 0..<steps {
    let loss = crossEntropy(network(data.points), targets: data.labels)
    loss.backward()
    descend(network.parameters, learningRate: 1.0)
    lossHistory.append(Double(loss.item))
    progress.advance(note: "loss \(rounded: loss.item)")
    if step % (steps / 5) == 0 { show("step \(step): loss \(rounded: loss.item)") }
  }
}
let finalScores = withoutGradient { network(data.points) }
let trainingAccuracy = accuracy(finalScores, data.labels)
show("after \(steps) steps: loss \(rounded: lossHistory.last!),",
     "training accuracy \(rounded: 100 * trainingAccuracy)%",
     trainingAccuracy >= 0.95 ? "(≥ 95%: OK)" : "(below the expected 95%: NOT OK)")
showTiming("training", seconds: trainingSeconds)
showTiming("per step (forward + backward + update)",
           seconds: trainingSeconds / Double(steps))

try lossChart(lossHistory).save(to: chapter.figurePath("loss"))
/*:
![The training loss, on a logarithmic scale, falls from log 3 ≈ 1.1 (a uniform guess
over three classes) as the network bends its boundaries around the arms. The numbers
are in `Figures/ch01-loss.csv`.](Figures/ch01-loss.png){width=90%}

What did it learn? We colour every point of the plane by the class the network
predicts there, and draw the training points on top.
*/
try decisionMap(network, data.points, data.labels, size: 200)
  .writePNG(to: chapter.figurePath("decision-regions"))
/*:
![Decision regions of the trained network (pale colours) and the training points
(dots), one colour per spiral arm. The boundaries curl with the arms: a single
hidden tanh layer is enough.](Figures/ch01-decision-regions.png){width=60%}

## Summary

- A tensor that remembers its inputs and a backward closure turns the chain rule into
  a graph walk: one reverse pass in topological order gives every derivative.
- Gradients add up: over several uses of a value, and over several backward calls,
  which is why training loops zero them.
- Broadcasting repeats values forward, so backward sums gradients over the broadcast
  axes.
- Matrix products go to BLAS, with transposes as flags; softmax and cross-entropy
  subtract the maximum; our own exp and tanh are fast and accurate to Float32.
- Central differences check every backward closure; the check catches a wrong
  derivative, and its tolerance follows from Taylor and rounding error.

## Questions

1. Why does reverse mode compute all of ∂L/∂θ for a million parameters in one pass,
   when forward mode would need a million?
2. In `Scalar`, why does every `sendBack` closure use `+=` and not `=`?
3. What goes wrong if the backward pass visits a node before every node that used it?
4. A bias of shape [C] is added to activations of shape [B, T, C]. What is the shape of
   its gradient, and how is it computed?
5. Why does `backward()` use an explicit stack rather than recursion?
6. When must a training loop call `zeroGrad()`, and what happens if it does not?
7. Name two reasons to evaluate a model inside `withoutGradient`.
8. Where is element (i, j, k) of a row-major tensor of shape [A, B, C] stored?
9. Why is the (i, k, j) loop order faster than (i, j, k) for a matrix product?
10. How does the backward pass of `matmul` avoid transposing a matrix in memory?
11. Why does the stable softmax subtract the maximum, and why is that exact?
12. What is the gradient of the cross-entropy with respect to the logits?
13. Why is the central difference more accurate than the one-sided difference?
14. Why can making ε smaller make a finite-difference derivative *worse*?
15. Why does the gradient check project the output on a random direction?
16. How does our exp build 2ⁿ without calling `pow`?

## Exercises

Each exercise has a stub in `Chapters/Chapter01/Exercises.swift`. Fill it in, then
check it with `swift run -c release Chapter01 --check-exercise N`. Solutions are in
`Exercises/Solutions/Chapter01.swift`.

The exercises climb: a warm-up that uses the chapter's tools as they are, then
exercises that implement a piece the chapter describes, then one that extends it.

1. **Softplus** (warm-up). Write `softplus(x) = log(1 + eˣ)` as one elementwise
   operation with its derivative (use `Tensor.map`). Keep it finite for x = ±100.
2. **Log-sum-exp** (implement). Write `logSumExp(x, axis:)` from the library's
   operations (max, subtraction, exp, sum, log) so that it is exact for logits near
   1000, and let autograd find its gradient.
3. **Broadcasting backward** (implement). Write the function that sums a gradient of one
   shape down to a shape that broadcasts to it (what `sumToShape` does), on plain
   arrays.
4. **A new loss** (extend). Write the mean absolute error |prediction − target| averaged
   over all elements, from library operations, and explain in a comment what its
   gradient is where prediction = target.
*/
