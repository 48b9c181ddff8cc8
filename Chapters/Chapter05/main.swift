/*:
# Deformable attention and the Multi-Modal Feature Synchronizer

Chapter 4 measured the bottleneck: a handful of visual tokens keeps *what* is in an
image and loses *where exactly*. MM-Interleaved's answer is the Multi-Modal Feature
Synchronizer (MMFS): "to dynamically extract relevant information from multi-scale
image feature maps of multiple images" (§3.2). Each token of the sequence keeps its few
visual tokens, and, whenever it needs detail, samples a few learned points of the
high-resolution feature maps of every earlier image it may see.

This chapter builds it bottom-up: bilinear sampling, which reads a feature map at a
fractional position and can be differentiated with respect to that position;
deformable attention, which learns where to sample; and the Synchronizer itself,
exactly as the authors' code does it. Then it repeats Chapter 4's fine-grained
question with 8 tokens *plus* an MMFS layer.

**What to expect.** The quick run (`swift run -c release Chapter05`) takes about
twenty seconds and reads the quick encoder Chapter 3 saved (run Chapters 3 and 4
first); `--full` trains longer with the full encoder (about three minutes) and records
its results for this book. The run prints whether 8 tokens plus MMFS beat 8 and 32
tokens alone on the exact position of an object, the paper's claim in miniature (its
Table 6a), and whether a question about the earlier of two images can be answered
through the recency embedding.
*/
import Autograd
import Datasets
import Layers
import Notebook
import Resampler
import Synchronizer
import Vision

var chapter = Chapter.begin(number: 5, title: "The Multi-Modal Feature Synchronizer",
                            exercises: checkChapter05Exercise)
/*:
## Reading a map between its pixels

A learned offset is a real number, so the point it names lies between pixels. Bilinear
interpolation reads there: the weighted mean of the four surrounding pixels, with
weights that vary linearly with the position, so the value is differentiable with
respect to the position as well as to the pixels. The derivative with respect to the
position is how an offset learns where to look. As its definition, one point at a time:

@code(bilinear-loops)

The version the layers use reads many maps at many points in one call, channels
last so that each tap reads C contiguous numbers, and carries the derivatives with
respect to both the map and the locations:

@code(bilinear)

The backward closure carries both derivatives: to the map, each tap's weight times the
incoming gradient lands on its pixel; to the location, the change of the bilinear
weights with the position, which is how an offset learns where to look:

@code(bilinear-backward)

On a 2×2 map [[1, 2], [3, 4]]: the centre of the top-left pixel reads 1, the middle of
the map reads the mean of all four, and the corner (0, 0), half a pixel outside both
edges, reads a quarter of the top-left pixel (its other neighbours are outside and
count as zero):
*/
let tiny = Tensor(shape: [1, 2, 2, 1], data: [1, 2, 3, 4])  // [G, H, W, C]
let points = Tensor(shape: [1, 4, 2], data: [0.25, 0.25, 0.5, 0.5, 0.5, 0.25, 0, 0])
show("samples at (¼,¼), (½,½), (½,¼), (0,0):", bilinearSample(tiny, at: points))
var agreementCheck = AgreementCheck()
show("bilinear sampling,", agreementCheck.bilinear())
/*:
## Deformable attention

Deformable DETR [@zhu2021deformable] replaced dense attention over a whole feature map
with attention over a few sampled points: each query predicts, per head and level, P
offsets around its reference point and P weights, samples the values there, and mixes
them. Over several levels of a feature pyramid that is L·P offsets per head, one set
per level, and one softmax spans all levels' points. (MMFS, below, predicts one set of
P offsets per head and shares it across the levels: the same place is read at every
resolution.) One query at a time:

@code(deformable-loops)

All queries, heads and points at once, as tensors:

@code(deformable)
*/
let deformable = DeformableAttention(width: 64, heads: 4, levels: 3, points: 4,
                                     using: &chapter.generator)
let demoMaps = [16, 8, 4].map {
  Tensor.normal([1, 64, $0, $0], using: &chapter.generator)  // [B, C, H, W]
}
let demoQueries = Tensor.normal([1, 5, 64], using: &chapter.generator)  // [B, T, C]
let demoReference = Tensor.uniform([1, 5, 2], using: &chapter.generator)  // [B, T, 2]
show("deformable attention:", demoQueries.shape, "queries over maps",
     demoMaps.map { Array($0.shape.suffix(2)) }, "→",
     deformable(demoQueries, reference: demoReference, maps: demoMaps).shape)
show("deformable attention,", agreementCheck.deformable(deformable))
/*:
## The Synchronizer

MMFS extends deformable attention from one image to all the images a token may see.
What the authors' code does, where the paper's text is brief (our reference notes
record it line by line):

- each image gets its own query: the token's projected query plus an embedding of the
  image's *recency* (1 for the most recent image the token sees, 2 for the one before);
- offsets are predicted per (image, head, point) and *shared by all levels*, in units of
  1/16 of the image, so the same place is read at every resolution;
- logits are predicted per (image, head, level, point), plus a *null slot* per
  (image, level) with the fixed logit −log(N·L) and value zero, and **one softmax spans
  images × levels × points**: images compete for a token's attention;
- invisible images are masked out; a token that sees none mixes exactly zero (all its
  weight goes to the null slots), so what it receives is the output projection's bias
  alone, which the gate then scales.

As equations: token $t$ with hidden state $x_t$ and reference point $\rho_t$ (a point
of the unit square; the image centre in this book), images $j = 1 \dots N$ with maps
$V_{j,l}$ at levels $l = 1 \dots L$, heads $h = 1 \dots H$ and points
$p = 1 \dots P$:

$$\begin{aligned}
q_{tj} &= W_q x_t + E_{r_j(t)}\\
\Delta_{tjhp} &= W_\Delta q_{tj} + b_\Delta \in \mathbb{R}^2\\
s_{tjhlp} &= W_s q_{tj} + b_s + m_{tj}, \qquad s_{tjhl\varnothing} = -\log(NL)\\
a_{th} &= \mathrm{softmax}\bigl(s_{th} \text{ over all } (j, l, p) \text{ and }
  (j, l, \varnothing)\bigr)\\
o_{th} &= \sum_{j, l, p} a_{tjhlp}\;
  \mathrm{bilinear}\bigl(W_v V_{j,l,h},\ \rho_t + \Delta_{tjhp}/16\bigr)\\
y_t &= W_o\,[o_{t1}; \dots; o_{tH}] + b_o,
  \qquad x_t \leftarrow x_t + \tanh(\alpha)\, y_t .
\end{aligned}$$

Line by line: one query per image, $r_j(t)$ being image $j$'s recency for token $t$;
offsets in cells of a 16×16 grid, the same at every level; attention logits, with
$m_{tj} = 0$ if $t$ sees $j$ and $-10^4$ otherwise, and one fixed logit per null slot;
one softmax over the head's $NL(P + 1)$ slots; the weighted samples of the projected
values $W_v V$, split by head; the heads joined, projected, and added through the gate.

The picture, for one token of a freshly made layer (4 heads, 4 points, 3 levels) that
has seen two images and not yet a third:

![Where one token's head 1 reads, in a layer just made: the dots are its 4 sampling
points (area proportional to weight) on every level of each image it sees, around the
reference point (+). The offsets are shared by the levels, so the same places are read
at every resolution; a third image that comes later in the sequence is masked. Under
each map, the weight of its points and of its null slot (the masked image keeps its
null slots: the mask touches only points); all of them together, over
the three images, sum to one. At the start the weights are nearly uniform, and the
null slots, whose logit is fixed, take little.](Figures/ch05-synchronizer.png){width=90%}

The null slots carry value zero, so whatever weight they take is simply not spent on
any image; the mask touches only the sampling points, never the null slots. At the
start, $W_\Delta = 0$ and $b_\Delta$ is drawn uniformly from $[-3, 3]$ base-grid cells
(a fixed scatter of points around the reference, the same for every token), $W_s$ is
small and $b_s = 0$ (weights nearly uniform), and $\alpha = 0$ (the layer adds
nothing). In the paper's words, the module allows "direct access to fine-grained image
features in the previous context during the generation process" (its abstract) and
exists "to dynamically extract relevant information from multi-scale image feature
maps of multiple images" (§3.2); the equations are how its code does it.

**A worked example.** One token, two images of which it sees only the first, one head,
two levels (4×4 and 2×2 maps whose value at every pixel is its column number, 0, 1,
…), one point. Let the point's logits be 1 at level 1 and 0.5 at level 2, its offset
two cells to the right of the centre (whatever the token), and let the value and
output projections pass their input through unchanged. By hand:

- the logits are 1 and 0.5 for image 1's two points, $-10^4$ for image 2's (masked),
  and $-\log(2 \cdot 2) = -1.386$ for each of the four null slots;
- the softmax gives $e^1 = 2.718$, $e^{0.5} = 1.649$ and $4 e^{-1.386} = 1$ over a
  total of 5.367: weights 0.506 and 0.307, and 0.047 for each null slot;
- the point sits at $x = 0.5 + 2/16 = 0.625$ of the width: pixel coordinate
  $0.625 \cdot 4 - 0.5 = 2$ on the 4×4 map (value 2) and $0.625 \cdot 2 - 0.5 = 0.75$
  on the 2×2 map (value 0.75, three quarters of the way from column 0 to column 1);
- so the output is $0.506 \cdot 2 + 0.307 \cdot 0.75 = 1.243$.

The layer itself, with exactly those weights, says the same:
*/
let example = workedExampleSynchronizer()  // one head, two levels, one point
let exampleMaps = [4, 2].map { size in  // [B, N, C, H, W]: two images, one channel
  Tensor(shape: [1, 2, 1, size, size],
         data: (0..<(2 * size * size)).map { Float($0 % size) })
}
let examplePattern = example.samplingPattern(
  Tensor.zeros([1, 1, 2]), reference: Tensor(shape: [1, 1, 2], data: [0.5, 0.5]),
  images: 2, visible: [true, false])
show("weights, image 1 (level 1, null, level 2, null):",
     examplePattern.weights.sliced(axis: 3, 0..<1).data.map { formatted($0) }
       .joined(separator: ", "))
show("weights, image 2:", examplePattern.weights.sliced(axis: 3, 1..<2).data
  .map { formatted($0) }.joined(separator: ", "))
show("sampling location (x, y):",
     examplePattern.locations.data.prefix(2).map { formatted($0) }
       .joined(separator: ", "))
show("output:", formatted(example(
  Tensor.zeros([1, 1, 2]), reference: Tensor(shape: [1, 1, 2], data: [0.5, 0.5]),
  maps: exampleMaps, visible: [true, false]).item))
try freshSynchronizerFigure().writePNG(to: chapter.figurePath("synchronizer"))
/*:
Written as loops, one token at a time. First every (image, head, level, slot) gets
its logit and the value it reads, the null slots their fixed logit and a zero value:

@code(mmfs-loops)

Then one softmax per head over all of them, the weighted sum, and the output
projection:

@code(mmfs-loops-mix)

The tensor version computes the same for every token, image, head and point at once,
in two parts. The first decides where each token looks and how much each look counts:
per-image queries (the recency embedding added), offsets shared by the levels, and one
softmax per token and head over every image's points and null slots. It is a function
of its own, so that the pattern can be inspected later in this chapter:

@code(mmfs-pattern)

The weights: logits for every point, the mask added for images the token may not see,
the null slots' fixed logit appended, and one softmax across images, levels and slots.
Composed of the operations built so far:

@code(mmfs-weights-composed)

Each step there is a pass over memory and a node of the graph; the library does the
same arithmetic, in the same order, as one operation (`synchronizerWeights`, equal to
the last bit and tested so), and the pattern ends with it:

@code(mmfs-pattern-softmax)

The second reads: for each level, split the projected values by head, sample them at
the locations, weight the samples and sum over images and points; then join the heads.
Composed of the operations built so far, it reads

@code(mmfs-read-composed)

That is correct, and slow: every sample of every point is stored before it is weighted,
[B, N, h, T, P, d] numbers per level, and each permute copies its operand. The library
does the same read as one operation, `synchronizerRead`, which keeps one running sum
per token and head and reads the operands where the layers leave them; its backward
pass gets all three gradients from four dot products per point. In MMI-Tiny's
training step it is about three times faster than the composed read (`make bench`
measures both), and the tests hold it to the composed version, values and gradients.
The layer projects the values, reads, and projects out:

@code(mmfs)

On a small input (two images, four tokens that see neither, one, the other and both):
*/
show("MMFS,", agreementCheck.synchronizer())
/*:

Which images may a token see? In a packed sequence of several documents, those of its
own document whose first image token is at or before it:

@code(visibility)
*/
// Two documents packed in one sequence of 10 tokens: document 0 has an image starting
// at token 1; document 1 has images starting at tokens 6 and 8.
let visible = imageVisibility(tokenDocuments: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
                              imageStarts: [1, 6, 8], imageDocuments: [0, 1, 1])
for t in [0, 3, 5, 7, 9] {
  let row = Array(visible[(t * 3)..<(t * 3 + 3)])
  show("token \(t): sees", row.map { $0 ? "1" : "0" }.joined(),
       " recency", recencyIndices(row, images: 3))
}
/*:
MM-Interleaved inserts MMFS into a pre-trained language model, so it must not disturb
that model at first. The output passes through a gate, $\tanh(\alpha)$ with
$\alpha = 0$ at the start; in the image decoder, through a zero-initialised 1×1
convolution instead:

@code(gate)

## Does it help? Fine detail through 8 tokens

We return to Chapter 4's hardest question: *in exactly which cell is the first
object?* The frozen encoder of Chapter 3 gives both the 64 ViT tokens and the
feature pyramid. Three arms learn, with the same data, steps and optimiser:

- K = 8: a Perceiver Resampler makes 8 tokens; a linear probe reads them;
- K = 32: the same with 32 tokens;
- K = 8 + MMFS: the 8 tokens are also the queries of an MMFS layer over the pyramid
  (reference point the image centre), whose output is added through the tanh gate
  before the probe. As upstream, the sampling offsets learn at a tenth of the rate.

The full run (600 steps per arm, on Chapter 3's fully trained encoder) measured:

@fullrun(ch05-cells)

Eight tokens name the exact cell about as rarely as Chapter 4's probes did, and four
times as many tokens barely help; eight tokens plus one MMFS layer name it two times in
five, six times as often. That is the paper's Table 6(a) in miniature: adding
MMFS to a small number of visual tokens helps most where detail matters, and more
tokens alone do not buy it back. Note the gate too: it starts at zero, and training
opens it only as far as the Synchronizer's contribution pays (its sign does not
matter; the output projection can absorb it).

The code of the experiment follows; the quick run that builds this book trains for a
moment on an encoder that was itself pre-trained for a moment, so expect its every arm
near chance and a gate that has hardly moved.
*/
// The full run prefers Chapter 3's fully trained encoder; the quick run uses the quick
// one, so that its transcript does not depend on whether a full run happened before.
let encoder = orStop {
  try ImageEncoder.savedByChapter3(full: chapter.options.full, using: &chapter.generator)
}.encoder

/// A resampler, optionally an MMFS layer, and a linear probe over the 36 cells.
final class CellReader: Layer {
  var resampler: PerceiverResampler
  var synchronizer: GatedSynchronizer?
  var probe: Linear

  init(tokens: Int, synchronized: Bool, using generator: inout SeededGenerator) {
    var configuration = SynchronizerConfiguration()
    (configuration.queryWidth, configuration.outputWidth) = (64, 64)
    configuration.maxImages = 3
    resampler = PerceiverResampler(tokens: tokens, width: 64, using: &generator)
    synchronizer =
      synchronized ? GatedSynchronizer(configuration, using: &generator) : nil
    probe = Linear(tokens * 64, 36, using: &generator)
  }

  /// tokens [B, 64, C] and maps [B, N, C, H, W] (every image visible to every latent)
  /// → cell logits [B, 36].
  func callAsFunction(_ tokens: Tensor, maps: [Tensor]) -> Tensor {
    var z = resampler(tokens)  // [B, K, C]
    if let synchronizer {
      let (b, k, n) = (z.shape[0], z.shape[1], maps[0].shape[1])
      z = synchronizer(z, reference: Tensor.full([b, k, 2], 0.5), maps: maps,
                       visible: [Bool](repeating: true, count: b * k * n))
    }
    return probe(z.reshaped([z.shape[0], -1]))
  }
}

/// A batch of 32 encoded scenes: ViT tokens with positions [B, M, C], the pyramid's
/// maps [B, 1, C, H, W] per level, and the first object's cell.
typealias CellBatch = (tokens: Tensor, maps: [Tensor], cells: [Int])

/// Trains `reader` with the book's trainer (which puts the sampling offsets at a tenth
/// of the rate, as upstream; parameters named by `frozen` do not learn) and returns
/// the seconds it took.
func train(
  _ reader: CellReader, on batches: [CellBatch], steps: Int, label: String,
  frozen: (String) -> Bool = { _ in false }
) throws -> Double {
  var configuration = TrainingConfiguration(
    steps: steps, learningRate: 1e-3, warmupSteps: steps / 10, minimumLearningRate: 1e-4)
  configuration.label = label
  let trainer = Trainer(reader, configuration, frozen: frozen)
  try trainer.run { step in
    let batch = batches[step % batches.count]
    let scores = reader(batch.tokens, maps: batch.maps)  // [B, 36]
    return crossEntropy(scores, targets: batch.cells)
  }
  return trainer.seconds
}

/// The share of held-out batches' cells the reader names exactly, in per cent.
func accuracy(_ reader: CellReader, on batches: [CellBatch]) -> Double {
  let right = withoutGradient {
    batches.map { batch in
      zip(reader(batch.tokens, maps: batch.maps).argmaxLastAxis(), batch.cells)
        .filter { $0 == $1 }.count
    }.reduce(0, +)
  }
  return 100 * Double(right) / Double(batches.count * 32)
}

var trainRandom = SeededGenerator(seed: 500), testRandom = SeededGenerator(seed: 501)
let training = encodedScenes(chapter.size(quick: 640, full: 2048), encoder,
                             using: &trainRandom)
let testing = encodedScenes(320, encoder, using: &testRandom)
let steps = chapter.size(quick: 100, full: 600)
var rows: [[String]] = []
var synchronizedReader: CellReader? = nil
for (name, tokens, synchronized) in [("K = 8", 8, false), ("K = 32", 32, false),
                                     ("K = 8 + MMFS", 8, true)] {
  var armRandom = SeededGenerator(seed: 600)
  let reader = CellReader(tokens: tokens, synchronized: synchronized, using: &armRandom)
  let seconds = try train(reader, on: training, steps: steps, label: name)
  rows.append([name, "\(rounded: accuracy(reader, on: testing))%", gateText(reader)])
  showTiming("\(name): \(steps) steps", seconds: seconds)
  if synchronized { synchronizedReader = reader }
}
let cellHeader = ["visual tokens", "exact cell (320 held-out scenes)", "gate tanh(α)"]
showTable(cellHeader, withChance(rows))
try chapter.recordFullRun("cells", markdownTable(cellHeader, withChance(rows)))
/*:
## Where the Synchronizer looks

A trained MMFS layer can be asked where it reads. For one held-out scene, take the
latent whose attention to the image (everything but the null slot) is largest, and draw
its sampling points: one panel per head (columns) and level (rows), each point coloured
and sized by its attention weight (the strongest point of the figure is darkest). The
question is about the first object in reading order, outlined in green. After the
full run:

@fullrun(ch05-points)

Offsets are shared across levels, so a head's points sit in the same places in every
row; only their weights differ from level to level. The trained query commits almost
all of each head's weight to one point, and three of the four heads read the 8² level.
The offsets learn at a tenth of the rate of everything else; the last line says how
far, in pixels of the 32-pixel image, the points travelled from their initial pattern:
two or three pixels, less than a cell. Where to look is decided mostly by the weights,
which pick *which* of the points to trust.
*/
var figureRandom = SeededGenerator(seed: 502)
let figureScene = Scene.random(using: &figureRandom)
let mmfsReader = synchronizedReader!
let (figureTokens, _) = withoutGradient {
  encoder(Tensor.stack([figureScene.render().tensor]))
}
let pattern = withoutGradient {  // where each of the 8 latents looks, and how much
  let latents = mmfsReader.resampler(withPositions(figureTokens))  // [1, K, C]
  return mmfsReader.synchronizer!.synchronizer.samplingPattern(
    latents, reference: Tensor.full([1, 8, 2], 0.5), images: 1,
    visible: [Bool](repeating: true, count: 8))
}
// Before training the same reader (same seed) had its points at the centre plus the
// offsets' bias: the figure says how far they moved.
var initialRandom = SeededGenerator(seed: 600)
let untrained = CellReader(tokens: 8, synchronized: true, using: &initialRandom)
let look = StrongestLook(
  pattern, configuration: mmfsReader.synchronizer!.synchronizer.configuration,
  initialBias: untrained.synchronizer!.synchronizer.samplingOffsets.bias!.data)
show("scene:", figureScene.caption)
for line in look.summary { show(line) }
try savePointsFigures(look, scene: figureScene, chapter: chapter)
/*:
![The same for the quick run's reader, which has barely trained: its weights are
still spread nearly evenly over points and levels. The first object in reading order,
the one the question asks about, is outlined.](Figures/ch05-points.png){width=90%}

The quick run's first line above says where every query starts. With one image, the
softmax of a head spans 3 levels × 4 points with logits near 0 (so $e^0 = 1$ each) and
3 null slots with the fixed logit $-\log(1 \cdot 3)$ (so $\tfrac13$ each): the image
receives $12 / (12 + 3 \cdot \tfrac13) = 12/13 \approx 92.3\,\%$ before any training,
and the quick run has hardly moved it.

## Two images: the earlier one, through recency

In an interleaved document a token may see several images, and a question may be about
any of them. Now each example is a *pair* of scenes, and the question is the exact cell
of the first object in the **earlier** one. The 8 latents come from the later image
only (as for a token written right after it), and the MMFS layer reads the pyramids of
both. Nothing in a query tells the two images apart except the recency embedding
(1 for the later, 2 for the earlier). To see that it is what does the work, a second
reader is trained with the recency embedding held at zero. The full run:

@fullrun(ch05-pairs)

With the recency embedding, a query can send its attention to the earlier image and
its offsets can differ between the two; held at zero, both images receive the same
query, the same offsets and equal weights, so the layer can only read the two images'
features summed at the same points. Recency more than doubles the share of exact
cells (34 % against 17 %, chance 2.8 %): that gap is what the embedding buys. The
quick run, again too short to learn the question:
*/
let pairTraining = earlierCellPairs(training)
let pairTesting = earlierCellPairs(testing)
let pairSteps = chapter.size(quick: 40, full: 600)
var pairRows: [[String]] = []
for (name, usesRecency) in [("with recency", true), ("recency held at zero", false)] {
  var armRandom = SeededGenerator(seed: 600)
  let reader = CellReader(tokens: 8, synchronized: true, using: &armRandom)
  let recencyTable = reader.synchronizer!.synchronizer.recency.table
  if !usesRecency {
    recencyTable.assign([Float](repeating: 0, count: recencyTable.count))
  }
  let seconds = try train(reader, on: pairTraining, steps: pairSteps, label: name,
                          frozen: { !usesRecency && $0.contains("recency") })
  pairRows.append(["K = 8 + MMFS, \(name)",
                   "\(rounded: accuracy(reader, on: pairTesting))%", gateText(reader)])
  showTiming("two images, \(name): \(pairSteps) steps", seconds: seconds)
}
let pairHeader = ["reader", "earlier image's exact cell", "gate tanh(α)"]
showTable(pairHeader, withChance(pairRows))
try chapter.recordFullRun("pairs", markdownTable(pairHeader, withChance(pairRows)))
/*:
## What it costs

Dense cross-attention over every feature of every image grows with the number of
pixels; MMFS samples a fixed number of points per image, so its per-token cost does
not depend on the maps' size. Counting floating-point operations per layer for 128
tokens, with maps of 16², 8² and 4² cells at 64 channels: both pay for projecting
every cell's value once per image; MMFS projects each token's query and output once,
and predicts offsets and logits and reads its points once per token and image, as the
code above does:
*/
/// Floating-point operations of one MMFS layer (MMI-Tiny's sizes) and of dense
/// cross-attention over all cells, for `tokens` queries and `images` images.
func layerCosts(tokens t: Double, images n: Double) -> (mmfs: Double, dense: Double) {
  let (c, cells, h, l, p) = (64.0, 336.0, 4.0, 3.0, 4.0)
  let values = 2 * n * cells * c * c  // value projection of every cell
  let perToken = 2 * c * c + 2 * c * c  // query and output projections
  let perTokenAndImage = 2 * c * h * p * 2 + 2 * c * h * l * (p + 1)
    + 2 * h * l * p * 4 * (c / h)  // offsets, logits, four taps per point
  let mmfs = values + t * perToken + t * n * perTokenAndImage
  let dense = 2 * values + 2 * t * c * c + 4 * t * n * cells * c + 2 * t * c * c
  return (mmfs, dense)
}
showTable(["images", "MMFS MFLOP", "dense MFLOP"], [1, 2, 4, 8, 16].map { n in
  let (mmfs, dense) = layerCosts(tokens: 128, images: Double(n))
  return ["\(n)", "\(rounded: mmfs / 1e6)", "\(rounded: dense / 1e6)"]
})

for (images, mmfs, dense) in try timeLayers(
  savingChartTo: chapter.figurePath("cost-timed"), using: &chapter.generator)
{
  showTiming("\(images) image(s): MMFS \(formattedDuration(mmfs)), dense "
             + formattedDuration(dense), seconds: mmfs)
}
/*:
![Forward time of one layer for 128 tokens as the number of images grows, measured in
this run (the paper's Figure 6, right, makes the same comparison at full
scale).](Figures/ch05-cost-timed.png){width=85%}

## Summary

- Bilinear sampling reads a map at fractional positions and is differentiable in both
  the map and the position; zero padding makes values fade within half a pixel outside.
- Deformable attention samples P learned points per head and level around a reference
  point instead of attending to every position.
- MMFS adds per-image queries with a recency embedding, offsets shared across levels,
  a null slot, and one softmax across images, levels and points.
- A token sees the images of its own document that have started; a gate that starts
  closed lets MMFS join a trained network without disturbing it.
- With 8 tokens, an MMFS layer over the pyramid recovers the exact positions the tokens
  alone lose, at a cost that grows with the number of sampled points, not pixels.
- Across two images, the recency embedding is what lets a query address the earlier
  one; held at zero, the images blur into one sum.
- A trained layer can be inspected: its sampling points and their weights show where,
  and at which resolution, each head reads.

## Questions

1. Why must sampling be differentiable with respect to the location?
2. Where does a sample at normalised (0, 0) land in pixel coordinates, and why?
3. What does Deformable DETR learn per query, and what does it no longer compute?
4. Why does MMFS share offsets across levels?
5. What does the recency embedding tell a query, and what would go wrong without it?
6. What is the null slot for, and why is its logit −log(N·L)?
7. Why one softmax across images rather than one per image?
8. Which images may a token in a packed sequence see?
9. Why does the gate start at zero, and what does the 1×1 convolution do instead?
10. Why does MMFS's cost not grow with the size of the feature maps?
11. In the two-image experiment, what can a query with recency held at zero still
    learn, and what can it not?
12. Why do a head's sampling points sit in the same places at every level of the
    figure, and what differs between the rows?

## Exercises

Stubs are in `Chapters/Chapter05/Exercises.swift`; check an answer with
`swift run -c release Chapter05 --check-exercise N`. Solutions are in
`Exercises/Solutions/Chapter05.swift`.

1. **Recency** (warm-up). From the row of images a token sees, compute each image's
   recency index (1 for the most recent seen image), the input of MMFS's recency
   embedding.
2. **The null slot** (implement). Write the normalisation MMFS's null slots amount to:
   $e^{s} / (1 + \sum e^{s})$, stable for large logits. Why does it let a token attend to
   nothing?
3. **Bilinear taps** (implement). For a map of H×W pixels and a normalised location
   (x, y), list the pixels `bilinearSample` reads and their weights. Where do the
   weights of the taps outside the map go?
4. **The image mask** (extend). From where documents and images start in a packed
   sequence, build the [T, N] mask of which images each token may see. An image *starts*
   at its first token (in Chapter 8, its first `<image>` slot); a token sees image j
   when both are in the same document and j starts at or before the token, so an image's
   own slots see it. Which two mistakes would let a token see an image it should not?

**Project: ablate the Synchronizer.** The cell experiment of this chapter makes three
ablations cheap, each one change to `MultiModalFeatureSynchronizer`: (a) remove the
null slots; (b) give every level its own offsets (Deformable DETR's L·P per head);
(c) one point per head instead of four. Run the cell experiment (`--full`) for each.
What to expect: (a) changes little here, since the token always sees the one image it
asks about (the null slot matters when the answer is in no image, or for tokens that
see none); (b) costs parameters and, at this size, should not help, which is upstream's
reason for sharing; (c) should cost accuracy, since a head must then commit to one
place before it knows the scene.
*/
