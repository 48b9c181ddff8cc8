/*:
# Performance engineering

Chapter 1 built a tensor engine for clarity: every operation makes a new array, every
backward closure another, and the matrix products go to BLAS. Chapter 9 trains
MMI-Tiny with that engine for an hour on two cores, so every millisecond of a training
step is a minute of the reader's afternoon. This appendix measures where a step's time
goes and climbs, kernel by kernel, the ladders that made it fast: the obvious version,
what is wrong with it, and what the next rung changes. Each rung is measured here, as
the page is built, on the machine that built it.

Three rules run through it. *Measure before changing anything*: the engine has its own
profiler, and the bench (`make bench`) prints every figure below at more sizes.
*Know the ceiling*: a kernel is judged against what the machine can do, not against
its previous version. *Change speed, never numbers*: each fast kernel sits beside the
composed operations it replaces, and tests check that both give the same values and
gradients (bit for bit where the arithmetic is the same) and that a wrong backward is
caught.

**What to expect.** The quick run (`swift run -c release AppendixA`) takes about half
a minute. Every time and rate it prints is a `⏱` line or table: they vary from run to
run and from machine to machine (this machine is shared with other programs, so the
same kernel can run at two thirds of its speed a minute later; every figure is the best
of several runs). The ratios between the rungs of a ladder carry over; the absolute
numbers do not. `--full` repeats every measurement three times as often.
*/
import Autograd
import Interleaved
import Layers
import Notebook
import Platform
import Synchronizer

var chapter = Chapter.begin(
  appendix: "A", title: "performance engineering", exercises: checkAppendixAExercise)
let repeats = chapter.size(quick: 5, full: 15)
/*:
## The ceiling: how fast can this machine compute, and how fast can it move data?

Two numbers bound every kernel. The *peak*: floating-point operations per second that
the best matrix product reaches (OpenBLAS's sgemm on 512×512 matrices, with the kernel
family the book pins, see Chapter 1). The *bandwidth*: bytes per second that a plain
loop `c[i] = a[i] + b[i]` streams through memory. An operation that does $F$
floating-point operations and moves $Q$ bytes cannot take less than

$$t \;\ge\; \max\left(\frac{F}{\pi},\; \frac{Q}{\beta}\right),$$

with $\pi$ the peak and $\beta$ the bandwidth (the *roofline* model of
@williams2009roofline). Its *arithmetic intensity* $F/Q$ decides which bound it hits:
adding two arrays does one operation per 12 bytes and can only ever run at memory
speed, while an $n \times n$ matrix product does $2n^3$ operations on $12n^2$ bytes,
$n/6$ per byte, and at $n = 512$ is limited by arithmetic alone.
*/
let peak = matrixMultiplyRate(size: 512, repeats: repeats)  // FLOP/s
let bandwidth = streamingRate(floats: 1 << 22, repeats: repeats)  // bytes/s
showMeasurement(
  "sgemm 512³ with OpenBLAS's \(runKernelFamily() ?? "default") kernels",
  "\(giga(peak)) GFLOP/s")
showMeasurement("streaming c = a + b over 16 MiB arrays", "\(giga(bandwidth)) GB/s")
showMeasurement(
  "balance point", "\(rounded: peak / bandwidth) floating-point operations per byte")
/*:
Below the balance point an operation is memory-bound: making its arithmetic faster
changes nothing, only moving fewer bytes does. Almost every operation of a network
other than the matrix products (additions, activations, normalisations, softmax,
copies between layouts) is far below it.

## Where a training step's time goes

The step is Chapter 8's: MMI-Tiny on 8 sequences of 128 tokens holding 16 images,
forward, backward and one AdamW update. Its matrix products (every `matmul`, and the
products inside convolution and attention) are counted by the engine as they run:
*/
let model = MMInterleaved(
  InterleavedConfiguration(vocabularySize: 487), using: &chapter.generator)
let batch = InterleavedBatch.benchmark(using: &chapter.generator)
let optimizer = AdamW([ParameterGroup(model.namedParameters, weightDecay: 0.01)])

/// One training step; each on the same draws of timesteps and noise.
let trainingStep = {
  var draws = SeededGenerator(seed: 15)
  model.loss(batch, using: &draws).total.backward()
  OperationProfile.charge("AdamW step") {  // it makes no tensors: charge it by name
    optimizer.step(learningRate: 1e-4)
    optimizer.zeroGrad()
  }
}

trainingStep()  // a first step allocates the optimiser's moments
let stepFLOPs = Double(MatrixWork.measure(trainingStep))
show("matrix products per step: \(rounded: stepFLOPs / 1e9) GFLOP")
showMeasurement(
  "those products at the sgemm peak", formattedDuration(stepFLOPs / peak))
/*:
If every product ran at the peak and nothing else took any time, a step would take
the time on the last line. It takes several times longer. To see where the rest goes,
the engine profiles itself. Every operation ends by making its result tensor, so that
moment is where its forward time is charged; every backward closure is timed as it
runs:

@code(operation-profile)

The two hooks are one line each in `Tensor`'s initialiser and `Node`'s (Chapter 1),
and cost one atomic load per tensor when nothing is measured. A profile can mislead in
one way: the Swift code a layer runs between two operations (building a mask, say) is
charged to the operation that follows it.
*/
let profile = fastestProfile(repeats: 3, trainingStep)
showMeasuredTable(
  ["operation", "calls", "forward", "backward", "share"], profileRows(profile, top: 14))
showMeasurement(
  "the whole step, profiled",
  "\(formattedDuration(total(profile))); its matrix products alone would take "
    + "\(formattedDuration(stepFLOPs / peak)) at the peak")
try profileFigure(profile, top: 14).writePNG(to: chapter.figurePath("profile-timed"))
/*:
![Where one training step of MMI-Tiny spends its time, per operation, forward (blue)
and backward (orange), as profiled on the machine that built this book. Convolution,
the U-Net's workhorse, leads; MMFS's two fused operations follow the matrix
products.](Figures/appA-profile-timed.png)

Convolution leads (every convolution of the U-Net, on 16 images at up to 32×32
pixels), then the matrix products of every linear layer and attention, then MMFS's
read. Most of the
other rows are memory-bound: permutes, softmax, additions, normalisations, the
activation. Each ladder below took one of the rows that used to be high.

## Ladder 1: the matrix product

Chapter 1 measured three versions of C = A·B: the textbook loops, the same loops in
(i, k, j) order, and OpenBLAS. The gap between the second and the third is most of the
distance from a first engine to a fast one, and it is worth seeing what fills it. Look
at what the (i, k, j) loop's innermost statement, `cRow[j] += aip * bRow[j]`, asks of
the processor for each multiply–add: load an element of B, load an element of C,
store the element of C back. Two floating-point operations per three memory accesses:
the loop runs at the speed of the first-level cache, whatever the arithmetic units
could do.

The cure is to keep C in registers. A *register tile* holds a 4 × 8 block of C in four
8-wide vectors while the whole of k streams past; for each k it loads 8 numbers of B
and 4 of A and does 32 multiply–adds, sixty-four operations for twelve loads and no
stores. Two more things make the loads cheap. *Packing* copies the panel of B and the
strip of A that a tile reads into small arrays laid out in exactly the order the tile
reads them, so every load is the next address. *Blocking* cuts k into depths of 256,
so that a packed panel of B (256 × 8 numbers, 8 KiB) stays in the first-level cache
while every strip of A passes it, and a block of 64 rows of A (64 KiB) stays in the
second. That is the structure of every tuned product since @goto2008anatomy:

@code(matmul-tiled)

The three hand-written rungs, under the names the table below prints:

@code(matmul-rungs)
*/
let side = 512  // the size the peak was measured at
let leftMatrix = Tensor.normal([side, side], using: &chapter.generator)  // [n, n]
let rightMatrix = Tensor.normal([side, side], using: &chapter.generator)  // [n, n]
let blasProduct = matmul(leftMatrix, rightMatrix).data
let rungsAgree = handWrittenProducts.allSatisfy { _, multiply in
  let product = multiply(leftMatrix.data, rightMatrix.data, side, side, side)
  // Entries are sums of n products of N(0, 1) numbers, about √n in size; adding in
  // another order moves them by about 1e-5, so 1e-3 is a safe bound.
  return zip(product, blasProduct).allSatisfy { abs($0 - $1) < 1e-3 }
}
show("\(side) × \(side): every rung agrees with BLAS within 1e-3:", rungsAgree)
let productFLOPs = 2 * Double(side * side * side)
let rungRates =
  handWrittenProducts.map { name, multiply in
    (
      name,
      productFLOPs / bestSeconds(repeats: name.hasPrefix("textbook") ? 1 : repeats) {
        _ = multiply(leftMatrix.data, rightMatrix.data, side, side, side)
      }
    )
  } + [
    (
      "OpenBLAS sgemm",
      productFLOPs / bestSeconds(repeats: repeats) { _ = matmul(leftMatrix, rightMatrix) }
    )
  ]
showMeasuredTable(
  ["C = A·B, \(side) × \(side)", "GFLOP/s", "of the peak"],
  rungRates.map { name, rate in
    [name, giga(rate), formatted(100 * rate / peak, significantDigits: 2) + " %"]
  })
/*:
The loop order is the largest single step, the register tile the next. What is left
between our tile and OpenBLAS is mostly the instruction set. Swift compiles for the
baseline x86-64 processor unless told otherwise, and that processor has four-wide
vectors and no *fused* multiply–add: each `SIMD8` operation in the tile becomes two
instructions, and the multiply and the add are two more. OpenBLAS looks at the
processor when it starts and runs kernels written for it: eight-wide (AVX2) or
sixteen-wide (AVX-512) vectors, with one instruction for `a * b + c`. Compiling the
whole package for this machine (`-Xswiftc -target-cpu -Xswiftc native`) would let the
tile use them, at the price of a binary that runs only on machines as new as this one;
the book keeps the portable build and sends its products to BLAS.

## Ladder 2: arithmetic the compiler can see

Chapter 1's `+` computed its output with a loop over broadcast rows, the arithmetic
passed in as a closure, `{ $0 + $1 }`. When Chapter 7's U-Net arrived, that loop was
split over the engine's workers (below) and the closure passed down once more, into a
function the compiler compiles separately. From there it cannot see which operation
the closure holds: every element became an indirect call, and no vector instruction
could be used. The fix names the operation by a type instead of a value:

@code(binary-operator)

`broadcastCombine` is generic over `BinaryOperator`. For each operation type it is used
with, the compiler writes a specialised copy in which `a + b` sits inline in the loop,
which it then vectorises. The ladder, on two arrays of four million numbers:
*/
/// The yardstick: one loop over both arrays, on raw pointers.
func plainAdd(_ a: [Float], _ b: [Float]) -> [Float] {
  uninitializedArray(a.count) { out in
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        for i in 0..<a.count { out[i] = a[i] + b[i] }
      }
    }
  }
}

/// The engine's first loop: the operation handed down as a closure, into each worker's
/// share.
func combineThroughClosure(
  _ a: [Float], _ b: [Float], _ operation: (Float, Float) -> Float
) -> [Float] {
  uninitializedArray(a.count) { out in
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        Parallel.forEachShare(of: a.count) { share in
          for i in share { out[i] = operation(a[i], b[i]) }
        }
      }
    }
  }
}

let elements = 1 << 22
let first = Tensor.uniform([elements], using: &chapter.generator)
let second = Tensor.uniform([elements], using: &chapter.generator)
let sums = [
  plainAdd(first.data, second.data), combineThroughClosure(first.data, second.data, +),
  (first + second).data,
]
show("the three versions give the same sums:", sums[0] == sums[1] && sums[1] == sums[2])
let additions: [(String, () -> Void)] = [
  ("a plain loop (the yardstick)", { _ = plainAdd(first.data, second.data) }),
  ("the engine's loop, + as a closure", {
    _ = combineThroughClosure(first.data, second.data, +)
  }),
  ("the engine's +, specialised for Plus", { _ = first + second }),
]
showMeasuredTable(
  ["c = a + b, 2²² elements", "G elements/s"],
  additions.map { name, body in
    [name, giga(elementRate(elements, repeats: repeats, body))]
  })
/*:
> **Swift sidebar: generics are specialised.** A generic function is compiled once
> for any type, calling the type's methods through a table, like a closure; but when
> the caller and the generic function are compiled together (the same module, or an
> `@inlinable` function), the optimiser also writes a copy for each concrete type
> used, with the calls replaced by their bodies. `@inline(__always)` on
> `callAsFunction` makes sure the body goes in. A closure stored or passed through
> another module's function gets no such copy.

The specialised `+` runs at the speed of the plain loop (it is memory-bound: the
yardstick is the bandwidth at work), several times faster than the closure. The same
change sped up every broadcast operation: a bias added to each channel, a time
embedding added to each pixel, a mask added to attention scores.

## Ladder 3: convolution

Chapter 2 wrote convolution three ways: six nested loops, *im2col* (unfold every patch
into a column, then one matrix product per image), and im2col with its copies made by
runs rather than pixel by pixel. The loops do every multiply–add themselves, one at a
time; the product hands them to BLAS at its peak, but pays for the unfolded matrix,
nine times the input for a 3×3 kernel, written and read again.

One more rung came from the profile. A convolution layer adds a bias per output
channel. Done as a broadcast `+` after the product, that is another pass over the
whole output, forward, and a sum over it backward. Done inside `convolve`, each image's
rows are still in the cache when the bias is added, and the bias's gradient is summed
in the same pass that reads the output's gradient for the kernel's. The sums are taken
in the same order, so the numbers are the same to the last bit (a test checks it). The
ladder on the U-Net's first level, 16 images of 32 channels at 32×32, 3×3 kernels:
*/
let images = Tensor.normal([16, 32, 32, 32], using: &chapter.generator)  // [B, C, H, W]
let kernel = Tensor.normal([32, 32, 3, 3], using: &chapter.generator)  // [O, C, k, k]
let bias = Tensor.normal([32], using: &chapter.generator)  // [O]
let convolutionFLOPs = 2.0 * 16 * 32 * 32 * 32 * 32 * 9
let oneImage = images.sliced(axis: 0, 0..<1)  // the loops take long: one image
let channelBias = bias.reshaped([32, 1, 1])  // broadcast over [B, O, H, W]
let biasInside = convolve(images, kernel, bias: bias, padding: 1)  // [B, O, H, W]
let biasAfter = convolve(images, kernel, padding: 1) + channelBias  // [B, O, H, W]
show(
  "bias inside the convolution and added afterwards give the same numbers:",
  biasInside.data == biasAfter.data)
let convolutions: [(String, Double)] = [
  ("six nested loops (one image)", convolutionFLOPs / 16 / bestSeconds(repeats: 1) {
    _ = convolveByLoops(oneImage, kernel, padding: 1)
  }),
  ("im2col + sgemm, bias added afterwards", convolutionFLOPs / bestSeconds(
    repeats: repeats) { _ = convolve(images, kernel, padding: 1) + channelBias }),
  ("im2col + sgemm, bias inside", convolutionFLOPs / bestSeconds(repeats: repeats) {
    _ = convolve(images, kernel, bias: bias, padding: 1)
  }),
]
showMeasuredTable(
  ["convolution, forward", "GFLOP/s", "of the peak"],
  convolutions.map { name, rate in
    [name, giga(rate), formatted(100 * rate / peak, significantDigits: 2) + " %"]
  })
/*:
Three things keep the fast version well below the peak, and the bench's convolution
table shows them at each of the U-Net's sizes. The products are small: 32 output
channels by 288 patch entries by 1,024 pixels per image, too few rows for OpenBLAS's
kernels to run at full width. The unfolded matrix is written, then read by the
product, for each image (`make bench` prints im2col's rate in GB/s). And backward
unfolds each image again rather than keeping 16 unfolded matrices alive. What would
go further: a direct convolution that blocks pixels and channels for the registers
(what PyTorch's oneDNN does), or Winograd's transform, which trades 2.25 times fewer
multiplications for extra additions on 3×3 kernels.

## Ladder 4: MMFS, from a chain of operations to one kernel

Chapter 5 wrote MMFS's read from the operations it had: sample every point of every
level with `bilinearSample`, multiply by the attention weights, sum, with permutes
between the steps so that each gets the layout it wants. Each step materialises a
tensor of [B, N, h, T, P, d] per level, and backward walks the same chain in reverse.
In the U-Net, where every pixel of 16 images reads the previous image, that chain
was the slowest thing in a training step.

The fused read does all of it per token and head, with one running sum, from the
layouts the layers leave behind:

@code(mmfs-read-fused)

Its backward, in the same pass over the points, takes four dot products of the output's
gradient with the four pixels a point interpolates: they give the attention weight's
gradient and, through the interpolation's slopes, the location's; the pixels receive
the weighted gradient, eight channels at a time. The attention weights, a mask, a null
slot and one softmax per token and head, became one operation likewise
(`synchronizerWeights`). Both are tested against the composed versions (values and
gradients) and gradient-checked, and their tests are shown to fail on a wrong backward.
The ladder, on a U-Net site (16 images × 1,024 pixels, 4 heads, 3 levels, 4 points):
*/
let (readImages, pixels, heads, points, depth) = (16, 1024, 4, 4, 16)
let maps = [16, 8, 4].map { side in  // L levels of [B, N, H, W, h·d]
  Tensor.normal(
    [readImages, 1, side, side, heads * depth], using: &chapter.generator,
    requiresGrad: true)
}
let locations = Tensor.uniform(  // [B, T, N, h, P, 2]
  [readImages, pixels, 1, heads, points, 2], low: -0.1, high: 1.1,
  using: &chapter.generator, requiresGrad: true)
let logits = Tensor.normal(  // [B, T, N, h, L, P + 1]
  [readImages, pixels, 1, heads, 3, points + 1], using: &chapter.generator,
  requiresGrad: true)
let seesAll = [Bool](repeating: true, count: readImages * pixels)
let weights = Tensor(  // [B, T, h, N, L, P + 1], a leaf: the read's backward stops here
  shape: [readImages, pixels, heads, 1, 3, points + 1],
  data: synchronizerWeights(logits, visible: seesAll).data, requiresGrad: true)

let composedRead = {
  composedSynchronizerRead(
    values: maps, locations: locations, weights: weights, heads: heads)
}
let fusedRead = {
  synchronizerRead(
    values: maps, locations: locations, weights: weights, visible: seesAll,
    heads: heads)
}
let readGap = zip(composedRead().data, fusedRead().data).map { abs($0 - $1) }.max()!
show("fused read vs composed: largest difference \(rounded: readGap)")
let inputs = maps + [locations, weights, logits]
let storage = { (operation: () -> Tensor) -> String in  // bytes, forward + backward
  let bytes = TensorAllocations.measure { operation().sum().backward() }
  for input in inputs { input.zeroGrad() }
  return megabytes(bytes)
}
show(
  "tensor storage made by the read's forward + backward: composed",
  storage(composedRead), "· fused", storage(fusedRead))
let mmfsOperations: [(String, () -> Tensor)] = [
  ("read, composed", composedRead), ("read, fused", fusedRead),
  ("weights, composed", { composedSynchronizerWeights(logits, visible: seesAll) }),
  ("weights, fused", { synchronizerWeights(logits, visible: seesAll) }),
]
showMeasuredTable(
  ["MMFS on a U-Net site", "forward", "forward + backward"],
  mmfsOperations.map { name, operation in
    let forward = bestSeconds(repeats: repeats) { _ = withoutGradient { operation() } }
    let both = bestSeconds(repeats: repeats) {
      operation().sum().backward()
      for input in inputs { input.zeroGrad() }
    }
    return [name, formattedDuration(forward), formattedDuration(both)]
  })
/*:
The fused read adds in another order than the composed one (one running sum per head
instead of a sum over a materialised axis), so the two differ in the last bits; the
fused weights do the same arithmetic in the same order and agree exactly. Fusion saves
twice: it skips the intermediate tensors (the storage line above), and it skips the
permutes that only rearranged them. What remains is bound by the gathers: each point
reads four pixels of 16 channels from wherever its location falls.

## Two cores

A laptop has several cores; a second one should nearly halve a step. BLAS could use
them by itself, but OpenBLAS's threads spin while they wait and collapse when the
machine is busy, and a training step is made of thousands of operations, most of them
too small for BLAS to split well. So BLAS stays on one thread and the engine splits its
own work: the images of a convolution, the rows of a product cut into bands, the ranges
of an elementwise operation, the sequences of MMFS, the lines of a softmax. Each share
writes only its part of the output, so no locks are needed:

@code(parallel-shares)

The helper threads must start within microseconds: a step runs thousands of such
regions. Waking a sleeping thread through the operating system takes longer than many
regions last, so a helper spins on one atomic *ticket* between regions, and sleeps
only after a long quiet spell. The ticket holds the region's generation, its number of
shares and the next unclaimed one; the caller and the helpers claim shares with a
compare-and-swap until none is left:

@code(worker-pool-claim)

Because the caller claims shares too, a helper that the operating system has not
scheduled (another program is busy on its core) costs nothing: the caller runs its
share as well. And a worker count gives the same numbers every time; one worker gives
exactly the numbers of the code before the split, and two differ from one only where
a sum is split between them (a convolution kernel's gradient, summed per worker). The
speed-ups, measured in turns (one worker, two, one, …) so that the machine's other work
hurts both alike:
*/
let square = Tensor.normal([512, 512], using: &chapter.generator)
let workloads: [(String, () -> Void)] = [
  ("sgemm 512³", { _ = matmul(square, square) }),
  ("c = a + b, 2²² elements", { _ = first + second }),
  ("convolution, 16 × [32, 32, 32], 3×3", {
    _ = convolve(images, kernel, bias: bias, padding: 1)
  }),
  ("MMFS read, forward + backward", {
    fusedRead().sum().backward()
    for input in inputs { input.zeroGrad() }
  }),
  ("whole training step", trainingStep),
]
var stepSpeedUp = 1.0
showMeasuredTable(
  ["work", "1 worker", "2 workers", "speed-up"],
  workloads.map { name, body in
    let seconds = secondsByWorkers([1, 2], repeats: repeats, body)
    if name == "whole training step" { stepSpeedUp = seconds[0] / seconds[1] }
    return [
      name, formattedDuration(seconds[0]), formattedDuration(seconds[1]),
      times(seconds[0] / seconds[1]),
    ]
  })
/*:
Large regular work (a big product, a convolution over 16 images, the MMFS read) gains
the most. The whole step gains less, and Amdahl's law says why: if a share $p$ of the
step's time is split perfectly over $n$ workers and the rest stays serial, the speed-up
is

$$S(n) = \frac{1}{(1 - p) + p/n}, \qquad\text{so}\qquad p = \frac{1 - 1/S}{1 - 1/n}.$$
*/
showMeasurement(
  "share of the step that behaves as if split perfectly",
  formatted(100 * (1 - 1 / stepSpeedUp) / (1 - 1 / 2.0), significantDigits: 2) + " %")
/*:
The rest is small operations below the threshold worth waking a helper for, the parts
still written as one loop (layer and RMS normalisation, the reductions of broadcasting's
backward, gathers, rotary embeddings), the memory traffic both cores share, and the
autograd graph itself.

## Memory: what a step holds

Time is one budget; memory is the other, and on a laptop it decides how large a batch
can be. A training step holds four kinds of numbers. Three belong to the parameters:
the weights, the gradients backward accumulates for them, and AdamW's two moments, four
numbers of 4 bytes per parameter for as long as training runs. The fourth kind is the
*activations*: every tensor the forward pass makes that some backward closure will
read, alive from the moment it is made until backward has passed the operation that
saved it. They grow with the batch; the parameters do not.
*/
let parameterCount = model.namedParameters.reduce(0) { $0 + $1.tensor.count }
show(
  "MMI-Tiny's \(parameterCount) parameters: weights, gradients and two AdamW moments",
  "take \(megabytes(16 * parameterCount))")
/*:
The activations we measure rather than count. Linux keeps a *high-water mark* of each
process's resident memory, and lets a process set it back to its current size; the C
allocator is asked first to hand the memory it keeps for reuse back to the system
(`resetPeakResidentMemory`). The mark's rise over one training step is then what the
step needed above what was already there. The engine also counts every byte of tensor
storage it makes: the step's *traffic*, most of which dies soon after it is born. Both,
for batches of 2, 4 and 8 of the benchmark's sequences:
*/
let memoryRows = [2, 4, 8].map { count in
  let smaller = InterleavedBatch(  // the first `count` sequences, two images each
    sequences: Array(batch.sequences.prefix(count)),
    images: batch.images.sliced(axis: 0, 0..<(2 * count)))  // [2·count, 3, 32, 32]
  var draws = SeededGenerator(seed: 15)
  resetPeakResidentMemory()
  let before = residentMegabytes()
  let traffic = TensorAllocations.measure {
    model.loss(smaller, using: &draws).total.backward()
  }
  let peakRise = peakResidentMegabytes() - before
  model.zeroGrad()
  return (count, peakRise, traffic)
}
showMeasuredTable(
  ["sequences", "peak rise over the step", "tensor storage made (traffic)"],
  memoryRows.map { count, rise, traffic in
    ["\(count)", "\(Int(rise.rounded())) MB", megabytes(traffic)]
  })
let perSequence = (memoryRows[2].1 - memoryRows[0].1) / 6  // MB per sequence
let fixedPart = memoryRows[0].1 - 2 * perSequence  // MB at zero sequences
showMeasurement(
  "the rise as a straight line", "\(formatted(fixedPart, significantDigits: 2)) MB + "
    + "\(formatted(perSequence, significantDigits: 2)) MB per sequence")
show("the gradients alone take \(megabytes(4 * parameterCount))")
let stateMegabytes = Double(16 * parameterCount) / 1_048_576
showMeasurement(
  "activations of 8 sequences against the parameters' state",
  times(8 * perSequence / stateMegabytes))
/*:
The rise is close to a straight line in the batch: a part that does not grow, about the
size of the gradients (made during backward), and a part per sequence, the activations
of one sequence and its two images, which at the benchmark's eight sequences outweighs
all the parameters' state many times over. The traffic is only about twice the peak:
most of what the forward pass makes is kept for backward. The allocator matters all the
same. The engine asks glibc's malloc to keep freed blocks up to 32 MiB for reuse rather
than return them to the system at once, so the next step's tensors land in pages that
are already mapped instead of fresh ones the system must find and fill with zeros.

Three things would shrink the peak, each with a price. Smaller batches with gradients
accumulated over several of them: the same update for a fraction of the activations,
at more steps' overhead. *Activation checkpointing*: keep only each block's input and
recompute its inside during backward, about a third more arithmetic (Appendix B does
the sums for the paper's model). Operations that overwrite their input: our engine has
none, because an in-place operation must prove that no backward closure still needs
what it overwrites, and a graph with no aliasing is one less thing for a reader to
check.

## Against PyTorch

`../shared/peer` holds the same model written in PyTorch, the way a PyTorch user would
write it: the yardstick DESIGN §8 sets. `make bench-peer` runs it and our bench back to
back, at one thread and at two, and records the table below. Ratios below 1 are ours
being faster for times; ratios move from machine to machine with the BLAS each side
gets (PyTorch brings Intel's MKL and oneDNN), so the table is only meaningful as a
whole, measured in one sitting.

@fullrun(appA-peer, make bench-peer)

Where we are ahead, our kernel does less work than the framework's general one: the
key–value cache decodes a token with matrix–vector products, MMFS in the decoder reads
in one fused pass where the peer's runs as a chain of framework operations, and AdamW
updates each parameter in one loop (and we hold less memory). Where we are behind, the
framework's kernels beat our compositions: the U-Net's convolutions, which oneDNN runs
as direct convolutions blocked for the registers, against our im2col and one product
per image; and the transformer parts (the image encoder, the decoder, the resamplers),
where attention is a chain of permutes, products, a scale, a mask and a softmax, each
its own tensor, and the exponentials and activations run four numbers at a time where
the CPU has eight- and sixteen-wide vectors. DESIGN §8 aims at half of PyTorch's time
for the whole step; those three are what stand between us and it, largest first.

## Summary

- Judge a kernel against the machine: the sgemm peak for arithmetic, a streaming loop's
  bandwidth for memory-bound work. Almost everything but matrix products is
  memory-bound.
- The engine profiles itself: each operation is charged the time since the previous
  tensor was made, each backward closure is timed.
- A matrix product is fast when C stays in registers and A and B arrive in the order
  they are used: loop order, register tiles, packing, blocking for the caches. The last
  factor is the instruction set, which a portable build leaves to BLAS.
- Let the compiler see the arithmetic: an operation named by a type is specialised and
  vectorised; passed as a closure into another function's loop it is a call per
  element.
- Fuse chains of memory-bound operations into one pass (the bias into convolution,
  MMFS's sample–weight–sum into one kernel), always beside the composed definition,
  tested against it in values and gradients.
- Split independent work (images, rows, sequences, element ranges) over the cores with
  a spinning pool; keep results deterministic for a given worker count; Amdahl's law
  tells what the rest costs.
- Memory is the weights, gradients and optimiser moments (16 bytes a parameter) plus
  the activations, which grow with the batch and soon dominate; measure the peak, do
  not guess it.

## Questions

1. An operation reads two arrays of n floats and writes one. What is its arithmetic
   intensity, and which of the two bounds limits it?
2. Why is a 512×512 matrix product limited by arithmetic and an elementwise addition by
   memory?
3. The profiler charges an operation the time since the previous tensor was made.
   Name a cost this puts in the wrong row.
4. Why was passing `+` as a closure slow only once the loop moved into a function run
   by the workers?
5. Specialisation alone might not place the body of `+` in the loop. What does the
   attribute `@inline(__always)` on `Plus.callAsFunction` guarantee?
6. Adding the convolution's bias inside `convolve` gives the same numbers as adding it
   afterwards. Why are they the same to the last bit, and why is it faster?
7. Why does im2col not simply keep each image's unfolded matrix from the forward pass
   for the backward?
8. The fused MMFS read and the composed one differ in the last bits; the fused and
   composed weights do not. Why?
9. Why does the engine keep BLAS on one thread and split the work itself?
10. Why does a helper thread spin between regions instead of sleeping at once?
11. Two workers give the same numbers as one for an elementwise operation, but not for
    a convolution's kernel gradient. Why?
12. A step speeds up 1.4× on two workers. What share of it behaves as perfectly
    split, by Amdahl's law?
13. For each k, the 4 × 8 register tile loads 12 numbers and does 64 operations. How
    many loads and stores per operation does the (i, k, j) loop need, and why does
    that decide its speed?
14. Why does packing copy B's panels once per block rather than let the tile read B
    where it lies?
15. A 6 × 16 tile would do 192 operations per 22 loads. Why do tuned kernels not make
    the tile larger still?
16. The step's peak rise is a straight line: a fixed part plus a part per sequence.
    How much memory would a batch of 32 sequences need, and what would you change to
    train on it with half of that?

## Exercises

Stubs are in `Chapters/AppendixA/Exercises.swift`; check an answer with
`swift run -c release AppendixA --check-exercise N`. Solutions are in
`Exercises/Solutions/AppendixA.swift`.

1. **The walk of a permute** (implement). `permuted` walks the output in order and
   reads the input at permuted strides, merging axes that stay together so that its
   inner loop is as long as possible. Given a shape and an axis order, return the
   merged axes the walk takes, each as (size, the input's stride).
2. **A sum that does not depend on the cores** (implement). Sum an array over the
   engine's workers so that one, two, three or four workers give the same bits. (Hint:
   what must not move when the worker count changes?)

**Project: fused attention.** Attention in the engine is a chain: split the heads
(a permute), Q·Kᵀ, scale, add the mask, softmax, multiply by V, join the heads (another
permute), each a tensor of its own, and the chain again backward. Write one operation
that reads Q, K and V in the [B, T, h·d] layout the projections leave (BLAS takes a
leading dimension, so a head is a strided matrix), applies scale, mask and softmax one
row at a time, and writes the output in the same layout; backward from the saved
softmax rows. Test it against `MultiHeadAttention`'s chain in values and gradients,
gradient-check it, show that a wrong backward is caught, and measure the U-Net's
condition attention and the decoder's self-attention before and after. What to
expect: the permutes and the scale and mask passes disappear from the profile, and
the softmax rows stay in cache between the two products.

**Project: a product for this machine.** Build the appendix with
`swift run -c release -Xswiftc -target-cpu -Xswiftc native AppendixA` (in its own
`--scratch-path`, so the portable build stays as it is) and compare the ladder with
the portable one. Then shape the tile for the wider registers: 6 × 16 with `SIMD16`,
or 8 × 8, with `blockRows` and `blockDepth` chosen so that the packed panels still fit
the caches (`lscpu` prints their sizes). Keep `matmulTiled`'s tests passing, and
find out how close to OpenBLAS a hundred lines of Swift can come.
*/
