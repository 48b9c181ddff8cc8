/*:
# Layers, optimisers and a first training run

Chapter 1 gave us tensors that differentiate themselves. A model is more than that:
it is many parameters organised into reusable parts (a linear map, a convolution, a
normalisation, an attention layer), started at sensible values, updated by an
optimiser that adapts its step to each parameter, and saved to disk so that a run can
stop and resume. This chapter builds those parts, the `Layers` module, and trains two
real models on real data: handwritten digits.

Every later model in the book is assembled from these pieces: the Vision Transformer
of Chapter 3 from `Linear`, `LayerNorm` and `MultiHeadAttention`, the U-Net of
Chapter 7 from `Conv2d`, `GroupNorm` and upsampling, and all of them are trained with
`AdamW` and saved as safetensors.

**What to expect.** The quick run (`swift run -c release Chapter02`) takes a few
seconds on a 2-core laptop; `--full` trains both models four to five times longer
(about ten seconds). The convolutional network should reach at least 95% accuracy on
held-out digits in the full run and 90% in the quick one; the run below says what it
reached. Peak memory stays under 100 MB.
*/
import Autograd
import Datasets
import Exercises02
import Layers
import Notebook

var chapter = Chapter.begin(number: 2,
                            title: "Layers, optimisers and a first training run",
                            exercises: checkChapter02Exercise)
/*:
## A layer is a class that owns tensors

In Chapter 1 the two-layer network kept its four tensors in a struct and listed them
by hand for the optimiser. That does not scale to a model with hundreds of tensors in
nested blocks. We want three things from a layer: it owns its parameters, it can
contain other layers, and it can list every parameter under a stable, readable name,
the name a checkpoint will store it under.

@code(layer)

Swift's `Mirror` lists an object's stored properties with their names, in declaration
order, so the names need no registration: a property called `query` holding a
`Linear` contributes `query.weight` and `query.bias`. The simplest layer:

@code(linear)

> **Swift sidebar: `callAsFunction`.** A type with a method named `callAsFunction` can
> be called like a function: `layer(x)` means `layer.callAsFunction(x)`. Python's
> `__call__` does the same job in PyTorch modules.

Here is a small model built from layers, and the names it gives its parameters:
*/
final class DigitMLP: Layer {
  var hidden: Linear, output: Linear

  init(width: Int, using generator: inout SeededGenerator) {
    hidden = Linear(64, width, initialization: .kaimingNormal, using: &generator)
    output = Linear(width, 10, using: &generator)
  }

  /// [B, 1, 8, 8] images → [B, 10] class scores.
  func callAsFunction(_ images: Tensor) -> Tensor {
    let x = images.reshaped([images.shape[0], 64])  // [B, 64]
    return output(hidden(x).relu())  // [B, 10]
  }
}

let preview = DigitMLP(width: 128, using: &chapter.generator)
for (name, tensor) in preview.namedParameters { show(name, tensor.shape) }
show("parameters:", preview.parameterCount)
/*:
## Starting values matter

A layer multiplies its input by a weight matrix. If the weights are too large, every
layer multiplies the spread of the activations, and after twenty layers the numbers
explode; too small, and they shrink to nothing. Either way the gradients go with
them and training stalls. The cure is to choose the weights' scale from the number
of inputs each output sums over (the *fan-in*):

@code(initialization)

Each scheme turns into a tensor of the right shape from the two fans:

@code(initialization-tensor)

The experiment below sends a batch of random inputs through twenty layers of width
256 with ReLU between them and measures the spread (standard deviation) of the
activations after each layer, for three ways of drawing the weights.
*/
/// Standard deviation of the activations after each of `depth` ReLU layers.
func activationSpread(
  _ initialization: Initialization, depth: Int, width: Int,
  using generator: inout SeededGenerator
) -> [Double] {
  var x = Tensor.normal([512, width], using: &generator)  // [B, C]
  var spreads: [Double] = []
  for _ in 0..<depth {
    let layer = Linear(width, width, bias: false, initialization: initialization,
                       using: &generator)
    x = withoutGradient { layer(x).relu() }  // [B, C]
    spreads.append(Double(x.variance().item.squareRoot()))
  }
  return spreads
}

let schemes: [(String, Initialization)] = [
  ("Kaiming: N(0, 2/fan-in)", .kaimingNormal),
  ("Xavier: variance 2/(fan-in + fan-out)", .xavierUniform),
  ("N(0, 0.1 squared)", .normal(std: 0.1)),
]
var spreads: [(name: String, values: [Double])] = []
for (name, scheme) in schemes {
  spreads.append((name, activationSpread(scheme, depth: 20, width: 256,
                                         using: &chapter.generator)))
  show("\(name): layer 1", spreads.last!.values[0], " layer 20", spreads.last!.values[19])
}
try spreadChart(spreads).save(to: chapter.figurePath("activation-spread"))
/*:
![Spread of the activations, layer by layer. Kaiming's scale keeps it of the same
order: a ReLU zeroes half its inputs, and the factor 2 pays for that on average; the
spread still wanders from layer to layer (each layer's 256 random weights per unit only
keep it right in expectation: see the numbers printed above), but it neither vanishes
nor explodes. Xavier's scale, right for tanh,
loses a factor √2 per ReLU layer; a fixed 0.1 gains about 13% per layer
(√(256 · 0.1² / 2) ≈ 1.13). The numbers are in
`Figures/ch02-activation-spread.csv`.](Figures/ch02-activation-spread.png){width=90%}

## Convolution as one matrix product

Images have structure a `Linear` layer ignores: a stroke means the same thing wherever
it is. A convolution slides one small kernel over the image, so the same few weights
look at every position. Written directly it is six nested loops:

@code(convolution-loops)

That is the definition, and far too slow to train with: the innermost loop does one
multiply–add at a time. The fast way *unfolds* every k×k patch of the input into a
column of a matrix (im2col), so that the convolution of an image becomes a single
matrix product handed to BLAS:

@code(unfold)

The copying works on *runs*: along one output row, a kernel tap reads a strided run of
one input row, and only the ends of the run can fall into the padding. The walk over
those runs is shared by unfolding and by its adjoint:

@code(unfold-runs)

A 3×3 image with a 2×2 kernel has four patch positions; each becomes a column of
four values:
*/
let tinyImage = Tensor(shape: [1, 1, 3, 3], data: (1...9).map(Float.init))
let tinyGeometry = ConvolutionGeometry(batch: 1, channels: 1, height: 3, width: 3,
                                       kernel: 2, stride: 1, padding: 0)
let columns = unfoldPatches(tinyImage.data, tinyGeometry)  // [C·k·k, B·Ho·Wo]
show(Tensor(shape: [tinyGeometry.patchSize, tinyGeometry.positions], data: columns))
/*:
The backward pass needs the adjoint of unfolding, *folding*: each column entry is
added back onto the pixel it came from (a pixel shared by several patches collects
several gradients). With it, the convolution and its gradients are three matrix
products:

@code(convolve)

Its backward pass, attached to the result, runs the same products the other way round
for each image: the kernel's gradient from the unfolded columns, the columns' gradient
from the kernel, folded back onto the input's pixels:

@code(convolve-backward)

On a small batch, the loops and the matrix product agree (the test suite checks
several strides and paddings, and checks the gradients with finite differences, like
every layer in this chapter):
*/
var agreementRandom = SeededGenerator(seed: 22)
let smallImages = Tensor.normal([2, 3, 7, 6], using: &agreementRandom)  // [B, C, H, W]
let smallKernel = Tensor.normal([4, 3, 3, 3], using: &agreementRandom)  // [O, C, k, k]
show("convolution, stride 2, padding 1,", agreement(
  convolve(smallImages, smallKernel, stride: 2, padding: 1),
  convolveByLoops(smallImages, smallKernel, stride: 2, padding: 1)))
/*:

## Normalisation

Three more kinds of layer complete the set the later chapters need; this section and the
next two define them once, for the whole book. *Layer normalisation* [@ba2016layernorm]
rescales each vector $x \in \mathbb{R}^C$ to mean 0 and variance 1 across its channels,
then applies a learned gain $g$ and bias $b$:

$$\mathrm{LayerNorm}(x) = g \odot \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + b,
\qquad \mu = \frac{1}{C}\sum_{c} x_c,\quad
\sigma^2 = \frac{1}{C}\sum_{c} (x_c - \mu)^2 .$$

It keeps a deep stack trainable: whatever the earlier layers do to the scale of their
output, the next layer sees vectors of a fixed size. Built from Chapter 1's operations
it is three lines, and its gradient comes for free:

@code(layernorm)

Two variants appear later. LLaMA's *RMS normalisation* (Chapter 6) skips the mean and
the bias, dividing by the root mean square alone, $\mathrm{RMSNorm}(x) = g \odot x /
\sqrt{\tfrac{1}{C}\sum_c x_c^2 + \epsilon}$. What keeps training stable is the
rescaling; a shift of the mean can be absorbed by the next linear map, so dropping it
costs little and saves one reduction per vector. *Group normalisation*
[@wu2018groupnorm] (Chapter 7's U-Net) works on images [B, C, H, W]: it splits the C
channels into G groups and normalises each group over its channels *and* all its pixels
together, as layer normalisation does over one vector, then applies a gain and bias per
channel. Unlike batch normalisation it never mixes different images of a batch, so it
behaves the same at any batch size.

## Activations

Between two linear maps sits a fixed nonlinearity, without which the two would
collapse into one linear map. Chapter 1's networks used $\tanh$, the digit network
below uses ReLU, $\max(0, x)$. Transformers use smooth cousins of ReLU. *GELU*
[@hendrycks2016gelu] weighs $x$ by the probability that a standard normal
variable is below it, $x\,\Phi(x)$, computed (as GPT-2 and CLIP do) through the
approximation

$$\mathrm{GELU}(x) \approx \tfrac12 x \left(1 + \tanh\bigl(\sqrt{2/\pi}\,
(x + 0.044715\,x^3)\bigr)\right).$$

*SiLU* (also called swish), used by LLaMA's feed-forward block and by the U-Net,
weighs $x$ by its own sigmoid: $\mathrm{SiLU}(x) = x\,\sigma(x) = x / (1 + e^{-x})$.
Both pass large positive inputs through, damp negative ones to zero, and have a
gradient everywhere:
*/
try activationChart().save(to: chapter.figurePath("activations"))
/*:
![ReLU, GELU and SiLU. The smooth two dip slightly below zero for negative inputs
before returning to it.](Figures/ch02-activations.png){width=75%}

## Attention

*Attention* lets every position of a sequence gather information from the others.
Each position's vector is mapped three ways, to a *query* (what it looks for), a
*key* (what it offers to be found by) and a *value* (what it hands over). Stacked as
matrices $Q \in \mathbb{R}^{T \times d}$, $K, V \in \mathbb{R}^{S \times d}$ for T
queries and S keys, *scaled dot-product attention* is

$$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\left(\frac{QK^\top}{\sqrt d} + M
\right)\, V .$$

Row $t$ of $QK^\top$ holds query $t$'s score against every key; the softmax turns each
row into weights that sum to one, and the weights average the values. The division by
$\sqrt d$ keeps the scores' spread independent of the width: the dot product of two
vectors of $d$ independent unit-variance entries has variance $d$, and scores that large
would saturate the softmax into one-hot weights with vanishing gradients. The *mask*
$M$ is added to the scores: 0 where a query may look, $-\infty$ where it may not, which
the softmax turns into a weight of exactly zero. The *causal* mask of a language model
hides every later position, so that predicting token $t + 1$ cannot peek at it.

*Multi-head* attention runs $h$ such attentions side by side on slices of width
$d = C/h$ of learned projections $Q = XW_Q$, $K = XW_K$, $V = XW_V$, joins their
outputs back to width $C$ and mixes them with one more projection $W_O$. Each head can
look for something different. When keys and values come from the sequence itself this
is *self-attention*; from another sequence (text, when an image attends to it), it is
*cross-attention*. One query at a time, the definition reads:

@code(attention-loops)

As tensors, all queries and heads at once: two batched matrix products around a
softmax.

@code(attention)
*/
let attention = MultiHeadAttention(width: 16, heads: 4, using: &chapter.generator)
let sequence = Tensor.normal([2, 5, 16], using: &chapter.generator)  // [B, T, C]
let attended = attention(sequence, mask: Tensor.causalMask(5))  // [B, T, C]
show("attention over [B, T, C] =", sequence.shape, "→", attended.shape, "with",
     attention.parameterCount, "parameters in", attention.namedParameters.count,
     "tensors")
show("attention with the causal mask,", agreement(
  attended, attentionByLoops(attention, sequence, mask: Tensor.causalMask(5))))
let causalWeights = attention.weights(sequence, mask: Tensor.causalMask(5))
try attentionFigure(weights: causalWeights)  // [B, h, T, T]
  .writePNG(to: chapter.figurePath("attention-mask"))
/*:
![The causal mask and the attention weights it leaves, for the first sequence and the
first head of the layer above. Each row is one query and sums to one; hidden cells
(grey) get weight exactly 0, so the first token can only attend to
itself.](Figures/ch02-attention-mask.png){width=90%}

## AdamW, from its equations

Plain gradient descent takes the same step size for every parameter. Adam
[@kingma2015adam] keeps two running averages per parameter, of its gradients and of
their squares, and divides one by the square root of the other: parameters with
consistently small gradients take relatively larger steps, noisy ones smaller. AdamW
[@loshchilov2019adamw] applies weight decay to the parameters directly rather than
adding it to the gradient, where Adam's division would distort it. In code it is the
equations, line by line:

@code(adamw)

The step, per parameter group (each with its own rate and decay):

@code(adamw-step)

Two more habits of modern training: the learning rate rises linearly for a short
*warm-up* (Adam's averages are unreliable in the first steps), then decays along a
cosine; and the gradient is *clipped* when its overall length is unusually large, so
that one bad batch cannot throw the parameters far.

@code(schedule)

@code(clip-gradients)

Which parameters decay? Weight decay pulls every weight towards zero a little at each
step, a preference for small weights that helps a matrix generalise. It makes no sense
for a bias or a norm's gain (pulling a gain towards zero switches its layer off), nor
for a table of learned vectors whose size carries meaning. MM-Interleaved also trains
one kind of parameter more slowly than the rest (Chapter 5 meets it). Groups by rule:

@code(parameter-rules)

These pieces make one training loop, which every later chapter uses. A step is the
loss of one batch, its gradients, clipping, an AdamW step at the scheduled rate. The
loop also keeps the optional moving average of the weights (Chapter 7), a progress bar
on the terminal, and checkpoints every N steps; Ctrl-C saves one and stops. Because
the batch of step k is computed from k alone, the step counter is the whole position
in the data, and a run resumed from a checkpoint continues exactly (the test suite
checks it bit for bit):

@code(trainer)

The loop runs the steps, with a progress bar, a checkpoint every so often, and a clean
stop on Ctrl-C (which saves first):

@code(trainer-run)

And one step is backward, clipping, the optimiser at the scheduled rate, the average:

@code(trainer-step)

## The digits

Our data are real handwriting: 1,797 digits from 13 writers, 8×8 pixels with 17
grey levels (the UCI optical digits set, CC BY 4.0). We split them once, with our
seeded generator, into training, validation (to watch for overfitting while we train)
and test (looked at once, at the end).
*/
let digits = try Digits.load()
let (train, validation, test) = digits.split(using: &chapter.generator)
show("digits:", digits.count, "· train", train.count, "· validation", validation.count,
     "· test", test.count)
let sample = Array(0..<24)
try digitSheet(sample.map { train.images[$0] }, captions: sample.map {
  String(train.labels[$0])
}).writePNG(to: chapter.figurePath("digits"))
/*:
![The first training digits with their labels, each pixel drawn as an 8×8 block.
Some are hard even for us.](Figures/ch02-digits.png){width=85%}

## Training, with validation

The loop is Chapter 1's, grown up: minibatches in a fresh shuffled order each epoch
(the order of epoch e drawn from a generator seeded with e, so that step k's batch is
a function of k), the trainer above, and after each epoch a pass over the validation
set without gradients. The same function trains both models.
*/
/// One epoch's numbers.
struct EpochRecord {
  var trainLoss: Double, validationLoss: Double, validationAccuracy: Double
}

/// Mean loss and accuracy of `model` on `data` (no gradients).
func evaluate(
  _ model: (Tensor) -> Tensor, on data: Digits, size: Int
) -> (loss: Double, accuracy: Double) {
  withoutGradient {
    let (images, labels) = data.batch(Array(0..<data.count), size: size)
    let scores = model(images)
    let correct = zip(scores.argmaxLastAxis(), labels).filter { $0 == $1 }.count
    return (Double(crossEntropy(scores, targets: labels).item),
            Double(correct) / Double(labels.count))
  }
}

/// Trains `model` with the book's trainer and returns the record of every epoch.
func fit(
  _ model: some Classifier, train: Digits, validation: Digits, epochs: Int,
  size: Int, learningRate: Float, seed: UInt64
) throws -> (records: [EpochRecord], seconds: Double) {
  let batchSize = 64
  let stepsPerEpoch = (train.count + batchSize - 1) / batchSize
  var configuration = TrainingConfiguration(
    steps: epochs * stepsPerEpoch, learningRate: learningRate, warmupSteps: stepsPerEpoch)
  configuration.beta2 = 0.999
  let trainer = Trainer(model, configuration)
  var epoch = (number: -1, batches: [(images: Tensor, labels: [Int])]())
  var records: [EpochRecord] = [], total = 0.0
  model.train()
  try trainer.run { step in
    if step / stepsPerEpoch != epoch.number {  // a new epoch: a new order
      var order = SeededGenerator(seed: seed + UInt64(step / stepsPerEpoch))
      epoch = (step / stepsPerEpoch, train.batches(of: batchSize, size: size,
                                                   using: &order))
    }
    let (images, labels) = epoch.batches[step % stepsPerEpoch]
    return crossEntropy(model.scores(images), targets: labels)
  } afterStep: { step in
    let labels = epoch.batches[step % stepsPerEpoch].labels.count
    total += Double(trainer.losses[step]) * Double(labels)
    guard (step + 1) % stepsPerEpoch == 0 else { return }
    let (validationLoss, accuracy) = evaluate(model.scores, on: validation, size: size)
    records.append(EpochRecord(trainLoss: total / Double(train.count),
                               validationLoss: validationLoss,
                               validationAccuracy: accuracy))
    total = 0
  }
  model.eval()
  return (records, trainer.seconds)
}

/// A model that maps images to class scores.
protocol Classifier: Layer {
  func scores(_ images: Tensor) -> Tensor
}

extension DigitMLP: Classifier {
  func scores(_ images: Tensor) -> Tensor { self(images) }
}
/*:
First the multilayer perceptron, on the raw 8×8 pixels:
*/
let mlpEpochs = chapter.size(quick: 10, full: 40)
let mlp = DigitMLP(width: 128, using: &chapter.generator)
let (mlpRecords, mlpSeconds) = try fit(mlp, train: train, validation: validation,
                                        epochs: mlpEpochs, size: 8, learningRate: 3e-3,
                                        seed: 20)
for (epoch, record) in mlpRecords.enumerated() where (epoch + 1) % (mlpEpochs / 5) == 0 {
  show("MLP epoch \(epoch + 1): train loss \(rounded: record.trainLoss),",
       "validation loss \(rounded: record.validationLoss),",
       "accuracy \(rounded: 100 * record.validationAccuracy)%")
}
showTiming("MLP training, \(mlpEpochs) epochs", seconds: mlpSeconds)
/*:
Early on, the training loss is *above* the validation loss, the opposite of what one
expects from a model that has seen the training digits. It is a matter of timing: the
training loss of an epoch is the mean over its batches, taken while the weights were
still improving (the first batches of epoch 2 meet the weights of the end of epoch 1),
while the validation loss is measured once, with the weights at the end of the epoch.
As learning slows, the two trade places and the usual small gap opens.

Now a small convolutional network. The digits are resampled to 16×16 (bilinearly),
so that three 3×3 convolutions, two of them with stride 2, have room to work:
16×16 → 16×16 → 8×8 → 4×4, with 16, 32 and 32 channels, then one linear layer. It
lives in the library, because Chapter 7 will use it to judge generated digits:

@code(digit-cnn)
*/
extension DigitCNN: Classifier {}
let cnnEpochs = chapter.size(quick: 6, full: 30)
let cnn = DigitCNN(using: &chapter.generator)
let (cnnRecords, cnnSeconds) = try fit(cnn, train: train, validation: validation,
                                        epochs: cnnEpochs, size: 16, learningRate: 3e-3,
                                        seed: 30)
for (epoch, record) in cnnRecords.enumerated() where (epoch + 1) % (cnnEpochs / 3) == 0 {
  show("CNN epoch \(epoch + 1): train loss \(rounded: record.trainLoss),",
       "validation loss \(rounded: record.validationLoss),",
       "accuracy \(rounded: 100 * record.validationAccuracy)%")
}
showTiming("CNN training, \(cnnEpochs) epochs", seconds: cnnSeconds)
showTiming("CNN, per training step",
           seconds: cnnSeconds / Double(cnnEpochs * ((train.count + 63) / 64)))
/*:
The curves of both runs, side by side:
*/
try saveTrainingCharts([("MLP", mlpRecords), ("CNN", cnnRecords)], chapter: chapter)
/*:
![Training and validation loss of both models. A validation curve that turns upward
while the training curve keeps falling would mean overfitting; the numbers are in
`Figures/ch02-loss.csv`.](Figures/ch02-loss.png){width=90%}

![Validation accuracy after each epoch.](Figures/ch02-accuracy.png){width=90%}

## The test set, once

Only now do we look at the held-out test digits. The confusion matrix counts, for
each true digit (row), what the network predicted (column).
*/
let mlpTest = evaluate(mlp.scores, on: test, size: 8)
let cnnTest = evaluate(cnn.scores, on: test, size: 16)
show("test accuracy: MLP \(rounded: 100 * mlpTest.accuracy)%,",
     "CNN \(rounded: 100 * cnnTest.accuracy)%")
let target = chapter.size(quick: 0.9, full: 0.95)
show("CNN", cnnTest.accuracy >= target ? "reaches" : "misses",
     "the expected \(Int(100 * target))% for the",
     chapter.options.full ? "full run" : "quick run")

let (testImages, testLabels) = test.batch(Array(0..<test.count), size: 16)
let predictions = withoutGradient { cnn.scores(testImages) }.argmaxLastAxis()
var confusion = [[Int]](repeating: [Int](repeating: 0, count: 10), count: 10)
for (truth, guess) in zip(testLabels, predictions) { confusion[truth][guess] += 1 }
try confusionFigure(confusion).writePNG(to: chapter.figurePath("confusion"))

let mistakes = zip(testLabels, predictions).enumerated()
  .filter { $0.element.0 != $0.element.1 }
show("the CNN gets \(mistakes.count) of \(test.count) test digits wrong")
try digitSheet(mistakes.prefix(12).map { test.images[$0.offset] },
               captions: mistakes.prefix(12).map { "\($0.element.0)>\($0.element.1)" })
  .writePNG(to: chapter.figurePath("mistakes"))
/*:
![Confusion matrix of the CNN on the test set: rows are the true digits, columns the
predictions, the diagonal the correct answers.](Figures/ch02-confusion.png){width=70%}

![Test digits the CNN got wrong, captioned
"true>predicted".](Figures/ch02-mistakes.png){width=90%}

## Saving and loading: safetensors

A checkpoint is the model's parameters (and, to resume training exactly, the
optimiser's running averages) written to disk. We use the *safetensors* format of
Hugging Face: an 8-byte length, a JSON header naming each tensor with its type, shape
and byte range, then the raw numbers. It is simple enough to write in a screenful,
safe to load (no code runs while reading it, unlike Python's pickle), and PyTorch
users can open our files directly.

@code(safetensors)

The file is written to a temporary name and renamed into place, so a crash while
saving leaves the previous checkpoint intact. We save the CNN, load the file into a
freshly initialised network, and compare predictions on the test set:
*/
let checkpoint = DigitCNN.savedByChapter2.savingPath(full: chapter.options.full)
try cnn.save(to: checkpoint, metadata: ["model": "DigitCNN", "chapter": "2"])
let (savedTensors, savedMetadata) = try SafeTensors.read(from: checkpoint)
let metadataText = savedMetadata.sorted { $0.key < $1.key }
  .map { "\($0.key)=\($0.value)" }
show("saved", savedTensors.count, "tensors, metadata", metadataText)

let restored = DigitCNN(using: &chapter.generator)
let before = withoutGradient { restored.scores(testImages) }.argmaxLastAxis()
try restored.load(from: checkpoint)
let after = withoutGradient { restored.scores(testImages) }.argmaxLastAxis()
show("a fresh network agrees with the trained one on", zip(before, predictions)
  .filter { $0 == $1 }.count, "of", test.count, "test digits before loading and on",
  zip(after, predictions).filter { $0 == $1 }.count, "after:",
  after == predictions ? "OK" : "NOT OK")
/*:
## Summary

- A layer is a class that owns its tensors; `Mirror` turns property names into the
  dotted parameter names that checkpoints use.
- Initialisation scales weights by the fan-in so that activations keep their spread
  through depth: Kaiming for ReLU, Xavier for tanh.
- Convolution becomes one matrix product by unfolding patches (im2col); its backward is
  two more products and a fold.
- AdamW adapts each parameter's step from running gradient statistics and decays
  weights directly; warm-up, cosine decay and clipping make training robust.
- A small CNN beats an MLP on images by sharing weights across positions; safetensors
  checkpoints reload to identical predictions.

## Questions

1. Why does a layer name its parameters after its properties rather than numbering
   them?
2. Why must the spread of activations stay near 1 through a deep network?
3. Why does Kaiming initialisation use 2/fan-in and Xavier 2/(fan-in + fan-out)?
4. What is the shape of the unfolded input of a convolution with C input channels, a
   k×k kernel, and B images of Ho×Wo output pixels?
5. Why is folding (col2im) the backward of unfolding?
6. What does layer normalisation compute, and over which axis?
7. In attention, why divide the scores by √d?
8. What does the causal mask do, and how is it applied?
9. What do Adam's two running averages estimate, and why are they corrected by
   1 − βᵗ?
10. What is "decoupled" about AdamW's weight decay?
11. Why warm up the learning rate?
12. What does clipping by global norm preserve that clipping each value would not?
13. What is the validation set for, and why look at the test set only once?
14. Why can a CNN beat an MLP with fewer parameters on images?
15. Why is a checkpoint written to a temporary file first?
16. What must a checkpoint hold, besides the parameters, to resume training exactly?

## Exercises

Stubs are in `Chapters/Chapter02/Exercises.swift`; check an answer with
`swift run -c release Chapter02 --check-exercise N`. Solutions are in
`Exercises/Solutions/Chapter02.swift`.

1. **Momentum by hand** (warm-up). Write one step of SGD with momentum on plain arrays;
   the checker compares three steps with the library's `SGD`.
2. **Max pooling** (implement). Write 2×2 max pooling of [B, C, H, W] tensors with
   `reshaped`, `permuted` and `max`, so that autograd gives its gradient.
3. **The Transformer's schedule** (implement). Write the inverse-square-root
   learning-rate schedule of @vaswani2017attention: rising linearly for `warmup` steps,
   then falling as 1/√step.
4. **Layer normalisation from scratch** (extend). Normalise the last axis to mean 0 and
   variance 1 (the equation of this chapter's normalisation section, without gain and
   bias, $\epsilon = 10^{-5}$) without using `LayerNorm`.
*/
