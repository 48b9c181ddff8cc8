/*:
# From MMI-Tiny to the paper's 13B

Two cores were enough for every idea of the paper. They are not enough for its model:
MM-Interleaved's release model has some 14 billion parameters (Vicuna's 13 billion and
the parts around it) where MMI-Tiny has 2.6 million, reads 2,048-token documents of 224²
images, and draws 512² images through a latent-diffusion U-Net. Training it means GPUs,
many of them, and the framework its authors used: PyTorch, with data-parallel training
across processes and machines.

This appendix builds the bridge in two halves. The first is measured: a *twin* of
MMI-Tiny written in plain PyTorch (the folder `Reference/`, optional: nothing in the
book needs it) that loads every checkpoint the chapters write, is checked against our
engine part by part, trains on the same batches as our engine to the same losses, and
trains again on two processes with PyTorch's DistributedDataParallel, writing weights
our engine loads back. The second is computed: what changes between MMI-Tiny and the
paper's configuration (what learns, the memory it takes, the work per token, the
numbers' precision, the time and the cost), each figure from the two configurations by
the formulas Chapter 8 checked against the built model.

**What to expect.** The quick run (`swift run -c release AppendixB`) takes a few
seconds: one forward and backward pass of MMI-Tiny and arithmetic. The twin's own
records (the parity table and the training runs) are made by `make parity` and
`make twin-train` (about three minutes, after a one-time download of PyTorch's CPU
build, about 200 MB) and shown here as recorded.
*/
import Autograd
import Interleaved
import Layers
import Notebook
import Platform

var chapter = Chapter.begin(
  appendix: "B", title: "from MMI-Tiny to the paper's 13B",
  exercises: checkAppendixBExercise)
/*:
## A twin in PyTorch

llm.c keeps a PyTorch reference of its model beside the C, and checks the C against
it layer by layer. Our twin does the same for the Swift engine, and more: it is the
version of MMI-Tiny a reader takes to GPUs. It is three files:

- `Reference/mmi_tiny.py`: the model, one file, written from the chapters'
  definitions (the ViT and its pyramid, both resamplers, MMFS, the decoder, the U-Net,
  the packed sequence with its masks and targets, the joint loss);
- `Reference/safetensors_io.py`: the book's checkpoint format, read and written with
  its CRC-32 seal, in NumPy (no other package);
- `Reference/parity.py` and `Reference/train.py`: the checks and the training.

The twin's modules take their attribute names from our properties, camelCase and
all, so that PyTorch's `state_dict()` names are our checkpoint names one for one: the
same tensor is `language.blocks.0.attention.query.weight` on both sides, and a file
written by either loads into the other with no table of renames. MMI-Tiny's names:
*/
let model = MMInterleaved(
  InterleavedConfiguration(vocabularySize: 487), using: &chapter.generator)
let named = model.namedParameters
show(named.count, "tensors,", amount(Double(model.parameterCount)), "numbers; a few:")
showTable(
  ["name (ours and the twin's)", "shape"],
  named.filter { $0.name.hasSuffix("query.weight") && $0.name.contains(".0.") }
    .map { [$0.name, "\($0.tensor.shape)"] })
/*:
Where PyTorch has an operation, the twin uses it: `F.grid_sample` for MMFS's bilinear
sampling (whose semantics, `align_corners=False` with zero padding, Chapter 5 copied),
`F.group_norm`, `F.cross_entropy`, `torch.optim.AdamW`. The twin's MMFS, the whole of
Chapter 5's Synchronizer in PyTorch's terms, to be read beside Chapter 5's
`callAsFunction` and its fused read:

@code(twin-mmfs)

Where our engine samples each point with one fused loop (Appendix A), PyTorch samples
every head of every image at every level in one `grid_sample` call per level, and
weights and sums the samples with an `einsum`. The two compute the same numbers; that
is what the next section checks.

## Checking the twin against the engine

`make parity` runs a Swift tool, `Parity`, that writes *cases*: each part of the
model, small and random, with its parameters, its inputs, what our engine computed,
and the gradients of one backward pass (seeded at each output with a random tensor, so
that every gradient is a real weighted sum); the whole model's joint loss on two
packed sequences built to take every path (two images in one document, a caption
document whose image opens it, padding) with the gradient of every parameter; three
AdamW steps on two parameter groups; and a forward pass of every checkpoint in
`Checkpoints/`. `Reference/parity.py` rebuilds each part in PyTorch, loads the same
numbers under the same names, computes again in float64, and prints one line per case,
llm.c style.

The error of a tensor is the largest difference over the tensor's largest value. Two
refinements keep the check honest rather than loose. Some gradients are exactly zero in
exact arithmetic: a bias on an attention's keys adds the same number to a whole row of
scores, which the softmax ignores. Ours is then float32's rounding noise, about 10⁻¹⁰,
and is measured against the largest gradient of its layer instead of against zero. And
where float32 itself cannot reach the tolerance (long chains of cancelling sums, as in
the gradients of the ViT's last block, leave PyTorch's own float32 result as far from
the exact one), ours may be at most twice PyTorch's float32 error on that tensor. The
check is shown to fail when it should: a twin that samples with `align_corners=True`
(the classic off-by-half-a-pixel bug) and one gradient of ours changed by 0.1 % in one
number are both caught.

@fullrun(appB-parity, make parity RECORD=1)

Most errors are 10⁻⁷ to 10⁻⁶, float32's rounding of sums of a few hundred terms; the
largest, in the whole model's gradients and the ViT's last block, come from longer
chains of sums. Nothing is off by a formula. Chapters 2–9's checkpoints load into the
twin and compute what they computed in Swift, the trained MMI-Tiny of Chapter 9
included.

## Training the twin, on one process and on two

`Parity data` writes what Chapter 9 starts from (the model with Chapter 3's encoder
and Chapter 6's decoder loaded) and the batches of Chapter 9's first stage, each with
the random draws of its image loss, so that the twin needs none of the book's world,
tokenizer or packing. `Reference/train.py` trains on them with Chapter 9's recipe: the
encoder frozen, AdamW with β₂ = 0.99, weight decay on matrices only, a tenth of the
rate for the sampling offsets, clipping at 1, warm-up and a cosine. One step:

@code(twin-step)

Run as `torchrun --nproc_per_node 2 Reference/train.py`, the same file trains on two
processes. `DistributedDataParallel` wraps the model; each process reads its own batches
(process $r$ of $W$ takes batch $kW + r$ at step $k$), and during the backward pass the
wrapper *all-reduces* the gradients, bucket by bucket as they are ready, so that every
process ends the pass holding the mean gradient of all $W$ batches. Every process then
takes the same optimiser step from the same weights, and stays in step without ever
sending a weight. On this machine the processes talk through gloo, PyTorch's CPU
backend; on GPUs, through NCCL. The twin's losses, our engine's on the same batches, and
the two-process run's:

@fullrun(appB-twin, make twin-train)
*/
if let curves = recordedLossCurves("Results/appB-losses.csv") {
  let chart = lossCurvesChart(
    ours: curves.ours, twin: curves.twin, twoProcesses: curves.twoProcesses,
    window: 10)
  orStop { try chart.save(to: chapter.figurePath("losses")) }
  show("drawn from Results/appB-losses.csv:", curves.ours.count, "batches")
} else {
  show("Results/appB-losses.csv is missing: `make twin-train` records it")
}
/*:
![The losses of our engine and of the twin, trained from the same start on the same
batches with the same draws (the two lie on each other), and of the twin on two
processes, which learns from two batches per step.](Figures/appB-losses.png)

Our engine and the twin, given the same start, the same batches and the same random
draws, end two hundred steps within a few parts in 10⁴ of each other: the last bits of
every sum differ, and training carries the difference along without letting it grow
into a different run. One family of weights does drift apart, and it is instructive:
the keys' biases, whose gradient is zero but for rounding noise. AdamW divides each
gradient by the root of its own running square, so noise of 10⁻¹⁰ becomes a step as
large as any other, in a direction each engine's rounding picks. Those biases wander
without changing a single output (the softmax ignores them), in PyTorch as in ours;
weight decay is all that holds them.

What `Generate` wrote with the two processes' weights is no caption yet: two hundred
batches of the first stage, from the quick runs' encoder and decoder, are a sliver of
Chapter 9's curriculum. What it shows is the path: weights trained by PyTorch on two
processes, saved by the twin, loaded and run by our engine.

Two processes of one thread each get through more batches per second than one process
of two threads, though not twice as many: on one machine they share its memory
bandwidth, and every step waits for the all-reduce. Across GPUs the arithmetic is
the same: each step costs the slowest process's compute plus the part of the
all-reduce that does not overlap it.

## What changes at scale

The paper's model is our design at other sizes, and Chapter 8 counted both. Here is
what those counts mean for training it.

### What learns

Upstream's release pre-training freezes most of the model: CLIP's ViT (its adapter, our
feature pyramid, learns), all of Vicuna-13B except the MMFS blocks inside it, and the
VAE. Everything new learns, and so does the U-Net. (The paper's column counts our
design at the paper's widths, as Chapter 8 did; upstream's own U-Net and Q-Formers
differ in their details.)
*/
let paper = InterleavedConfiguration.paper
let paperParts = paper.parameterCounts
let tinyParts = model.configuration.parameterCounts
/// Which parts learn in upstream's pre-training (the ViT and Vicuna are frozen).
let paperLearns: [String: Bool] = [
  "vision transformer": false, "feature pyramid": true,
  "visual resampler and projection": true, "begin-image vector": true,
  "language model": false, "MMFS in the decoder": true, "condition path": true,
  "U-Net": true, "MMFS in the U-Net": true,
]
let paperTotal = Double(paperParts.reduce(0) { $0 + $1.count })
let paperTrainable = Double(
  paperParts.filter { paperLearns[$0.part]! }.reduce(0) { $0 + $1.count })
showTable(
  ["part", "MMI-Tiny", "paper", "learns in the paper's pre-training"],
  zip(tinyParts, paperParts).map { tiny, big in
    [tiny.part, amount(Double(tiny.count)), amount(Double(big.count)),
     paperLearns[big.part]! ? "yes" : "no (frozen)"]
  } + [["total", amount(Double(model.parameterCount)), amount(paperTotal),
        amount(paperTrainable) + " learn"]])
/*:
Freezing is not a detail of the recipe; it is what makes the model trainable at all.
LLaMA, which Vicuna fine-tunes, learnt language from a trillion tokens; a few billion
tokens of image–text documents would teach it less than they would make it forget.
Frozen, it still runs forward and backward (the MMFS blocks inside it learn, and their
gradients pass down through the frozen layers), but it needs no gradients of its own
weights, and no optimiser state.

### Memory: weights, gradients, optimiser state

Training with Adam in *mixed precision*, as upstream does, keeps for every parameter
its 16-bit weight (2 bytes), and for every parameter that learns its 16-bit gradient
(2 bytes) and the optimiser's state in 32 bits: a master copy of the weight, since
updates of 10⁻⁴ of a weight vanish in 16 bits, and Adam's two running means (12 bytes).
Upstream runs DeepSpeed's ZeRO stage 1, which splits the optimiser state across the $G$
GPUs [@rajbhandari2020zero]: each keeps its share, updates its share of the
weights, and sends them to the others. Per GPU,

$$M \;=\; 2N + 2N_t + \frac{12 N_t}{G},$$

for $N$ parameters of which $N_t$ learn, on $G$ GPUs. (Exercise 1 asks for the other
stages: ZeRO-2 splits the gradients too, ZeRO-3, or PyTorch's FSDP, the weights as
well.)
*/
/// Bytes per GPU of weights, gradients and Adam's state: fp16 weights and gradients,
/// fp32 master weights and moments split over `gpus` GPUs (ZeRO stage 1).
func zeroOneBytes(parameters n: Double, trainable t: Double, gpus g: Double) -> Double {
  2 * n + 2 * t + 12 * t / g
}
showTable(
  ["GPUs", "weights", "gradients", "optimiser state", "per GPU"],
  [1, 8, 32, 64].map { g in
    [
      "\(g)", bytes(2 * paperTotal), bytes(2 * paperTrainable),
      bytes(12 * paperTrainable / Double(g)),
      bytes(zeroOneBytes(parameters: paperTotal, trainable: paperTrainable,
                         gpus: Double(g))),
    ]
  })
let tinyTrainable = Double(model.parameterCount - model.encoder.parameterCount)
show("the paper's model if every parameter learnt, on one GPU:",
     bytes(zeroOneBytes(parameters: paperTotal, trainable: paperTotal, gpus: 1)))
show("MMI-Tiny in float32 (4-byte weights and gradients, 8 bytes of Adam state):",
     bytes(4 * Double(model.parameterCount) + 12 * tinyTrainable))
/*:
The 16-bit weights alone fill more than a third of an 80 GB GPU, and if Vicuna learnt
too, no GPU would hold one copy of everything: only ZeRO-3 or FSDP, splitting the
weights themselves, would spread it thin enough. With Vicuna frozen, stage 1
suffices, and the optimiser state, once the largest item after the weights, shrinks
with every GPU added.

### Memory: activations

What the backward pass needs from the forward pass is the other half of a GPU's
memory, and it grows with the batch. For one transformer layer of width $h$ with $a$
heads on $s$ tokens in 16 bits, @korthikanti2022activation count

$$A_{\text{layer}} \;\approx\; s\,h\left(34 + \frac{5\,a\,s}{h}\right)\ \text{bytes},$$

the second term being the attention matrices, which a fused attention kernel (Flash
Attention) never stores. *Activation checkpointing* keeps only each layer's input,
$2sh$ bytes, and computes the rest again during the backward pass, at the price of a
second forward pass. Upstream checkpoints its decoder and its U-Net. For Vicuna-13B on
one 2,048-token sequence:
*/
/// The 16-bit activations of one transformer layer on `s` tokens (Korthikanti et al.).
func layerActivationBytes(tokens s: Double, width h: Double, heads a: Double,
                          storesAttention: Bool) -> Double {
  s * h * (34 + (storesAttention ? 5 * a * s / h : 0))
}
let (s, h) = (Double(paper.language.contextLength), Double(paper.language.width))
let (heads, layers) = (Double(paper.language.heads), Double(paper.language.layers))
showTable(
  ["decoder activations, one sequence", "bytes"],
  [
    ["every layer, attention matrices stored",
     bytes(layers * layerActivationBytes(tokens: s, width: h, heads: heads,
                                          storesAttention: true))],
    ["every layer, fused attention",
     bytes(layers * layerActivationBytes(tokens: s, width: h, heads: heads,
                                          storesAttention: false))],
    ["checkpointed: each layer's input, and one layer at a time",
     bytes(layers * 2 * s * h
           + layerActivationBytes(tokens: s, width: h, heads: heads,
                                  storesAttention: false))],
  ])
/*:
Without checkpointing, upstream's four sequences per GPU would not fit beside the
weights even with fused attention; with it, they take a few gigabytes. (The U-Net's
activations, at 64² latents for up to fifteen images a sequence, add as much again, and
are checkpointed too.)

### Precision

A 16-bit float (fp16) has five exponent bits: nothing between 0 and 6·10⁻⁸ (its smallest
subnormal) survives, and below 6·10⁻⁵ (its smallest normal number) precision thins out.
Gradients are small numbers. Here are MMI-Tiny's, from one training step of a freshly
made model on Chapter 8's benchmark batch, as they would fare if stored in fp16:
*/
let batch = InterleavedBatch.benchmark(using: &chapter.generator)
var draws = SeededGenerator(seed: 3)
model.loss(batch, using: &draws).total.backward()
let gradients = gradientValues(model.parameters).filter { $0 != 0 }
/// The share of `values` times `scale` that fp16 flushes to zero, keeps with reduced
/// precision, or cannot hold at all.
func fp16Shares(_ values: [Double], scale: Double) -> [String] {
  let scaled = values.map { abs($0) * scale }
  let share = { (test: (Double) -> Bool) in
    percent(Double(scaled.filter(test).count) / Double(scaled.count))
  }
  return [
    share { $0 < 0x1p-25 }, share { $0 >= 0x1p-25 && $0 < 0x1p-14 },
    share { $0 > 65_504 },
  ]
}
showTable(
  ["loss scale", "become zero", "subnormal (imprecise)", "overflow"],
  [1.0, 1024, 65_536].map { scale in
    ["\(Int(scale))"] + fp16Shares(gradients, scale: scale)
  })
show(gradients.count, "gradient values, non-zero in float32")
/*:
Stored as they are, one gradient value in thirty lands among the subnormals and some
vanish. Hence *loss scaling*: multiply the loss by a large factor before the backward
pass, which multiplies every gradient by it, and divide the gradients by it again before
the update (in 32 bits). Too large a factor overflows instead, as 2¹⁶ already does for a
few of this model's gradients. Upstream's DeepSpeed configuration therefore adapts it:
it starts at 2¹⁶, halves it whenever a gradient overflows to infinity (that step is
skipped), and doubles it again after 250 clean steps. The format bfloat16 (bf16), with
float32's eight exponent bits and only seven of mantissa, needs no scaling at all, which
is why newer GPUs' training uses it; the master weights stay in 32 bits either way.

### Work, time and cost

Chapter 8 counted the forward pass's matrix work per part. Training costs more than a
forward pass, by part: a part that learns needs the gradient of its input and of its
weights, about twice its forward work; a frozen part that gradients must cross (Vicuna,
below its MMFS blocks) needs only its input gradient, once its forward work; a frozen
part nothing before it learns (the ViT) needs no backward at all; and a checkpointed
part runs its forward pass twice. (The rule of thumb for training a language model,
$6N$ FLOPs per token for $N$ weights, is the first case: $2N$ forward, $4N$ backward.
Vicuna, frozen but crossed by gradients and checkpointed, comes to the same three
times its forward work by another route.)
*/
/// Training work as multiples of a part's forward work: 1 for the forward pass, 2 more
/// if its weights learn, 1 more if only gradients cross it, 1 more if checkpointed.
func trainingFactor(learns: Bool, passesGradient: Bool, checkpointed: Bool) -> Double {
  1 + (learns ? 2 : passesGradient ? 1 : 0) + (checkpointed ? 1 : 0)
}
let checkpointed: Set = ["language model", "MMFS in the decoder", "U-Net"]
let paperForward = paper.forwardFLOPs(tokens: 2048, images: 15, context: 1024)
let factors = paperForward.map { part, _ in
  trainingFactor(
    learns: paperLearns[part]!, passesGradient: part == "language model",
    checkpointed: checkpointed.contains(part))
}
let paperTraining = zip(paperForward, factors).map { Double($0.flops) * $1 }
let trainingPerSequence = paperTraining.reduce(0, +)
showTable(
  ["part", "forward", "factor", "training"],
  paperForward.indices.map { i in
    [paperForward[i].part, flops(Double(paperForward[i].flops)),
     formatted(factors[i], significantDigits: 2), flops(paperTraining[i])]
  } + [["one 2,048-token sequence", "", "", flops(trainingPerSequence)]])
let perToken = trainingPerSequence / 2048
let decoderWeights = Double(paperParts.first { $0.part == "language model" }!.count)
show("training work per token:", flops(perToken))
show("6N for the decoder's N weights alone:", flops(6 * decoderWeights))
/*:
Per token, the work is about half as much again as Vicuna's weights alone would cost:
the images, read, synchronised with and drawn, are that half.

Upstream trains 15,000 steps of up to four sequences per GPU (four of MMC4's documents,
two of LAION's pairs). Its release configuration leaves the number of GPUs to the
launcher; at $G$ GPUs and four sequences that is $60{,}000\,G$ sequences. What that
costs depends on how much of its peak a GPU sustains, the *model FLOPs utilisation*; 40
% of an A100's 312 TFLOP/s in 16 bits is a good training run (@narayanan2021megatron
sustained about half of the peak for the largest plain transformers; a model of many
small parts, like this one, does worse). The times below take that 40 % as an
assumption, not a measurement, and so is the price of a GPU-hour:
*/
let sustained = 0.40 * 312e12  // FLOP/s per GPU: an assumption, said so above
let pricePerGPUHour = 2.0  // dollars: an assumption too (rented A100s vary)
showTable(
  ["GPUs", "sequences", "training work", "GPU-hours", "days", "at $2 a GPU-hour"],
  [8, 32, 64].map { g in
    let sequences = 15_000.0 * 4 * Double(g)
    let work = sequences * trainingPerSequence
    let gpuHours = work / sustained / 3600
    return ["\(g)", amount(sequences), flops(work), amount(gpuHours),
            formatted(gpuHours / Double(g) / 24, significantDigits: 2),
            "$" + amount(gpuHours * pricePerGPUHour)]
  })
let tinyForward = model.configuration.forwardFLOPs(tokens: 128, images: 2, context: 64)
  .reduce(0) { $0 + $1.flops }
// Chapter 8's benchmark batch: 8 such sequences; all of MMI-Tiny learns but the
// encoder, so training is about three times the forward work.
let tinyStep = 3 * 8 * Double(tinyForward)
show("MMI-Tiny, a step of 8 sequences of 128 tokens:", flops(tinyStep))
show("MMI-Tiny, Chapter 9's 8,500 steps, at most:", flops(8_500 * tinyStep))
/*:
The days do not depend on $G$: with a fixed number of steps, each GPU works through its
own 60,000 sequences whatever the others do, as long as the all-reduce hides behind
the backward pass. What $G$ changes is the batch, and with it the total work, the
GPU-hours (and the bill), and what the run learns: a larger batch is a better
estimate of the gradient, which a run can use with a higher learning rate or fewer
steps. That is why papers state $G$ with their batch size. MMI-Tiny's whole Chapter 9
run (its batches are at most the benchmark batch's work) is six orders of magnitude
below the paper's, and forty minutes on two cores.

### Data

MMI-Tiny makes its documents as it needs them. Upstream streams MMC4 [@zhu2023mmc4]
(interleaved web documents) and LAION's image–text pairs [@schuhmann2022laion] from
sharded `webdataset` archives, eight loader processes per GPU decoding JPEGs and
resizing them to 224² for CLIP and 512² for the VAE while the GPU works: at four
sequences of up to fifteen images per step, a GPU needs sixty images decoded in the time
of one step, and a data pipeline that falls behind makes every GPU wait. Packing is the
same idea as Chapter 8's, with longer sequences.

### From the twin to many GPUs

The twin runs on CPUs; taking it to GPUs is the same program with four changes, each a
few lines, none of them tested here (there is no GPU here): put the model and every
tensor a batch makes on the process's device (`cuda:LOCAL_RANK`); let `torchrun` start
one process per GPU on every machine (`--nnodes`, `--node_rank`, a rendezvous address),
with the NCCL backend, which `train.py` already picks when CUDA is there; run the
forward pass under `torch.autocast` in bf16 (or fp16 with a `GradScaler`, the loss
scaling above); and, for a model whose weights must learn and do not fit one GPU, wrap
it in FSDP instead of DDP. The checkpoint format stays the same: a file the twin writes
on a hundred GPUs loads into the Swift chapters, as the one it wrote on two processes
here did.

## Summary

- A twin in another framework is a check and a bridge: the same names make every
  checkpoint portable, and a part-by-part comparison in float64, with gradients seeded
  by random probes, finds a wrong formula to the first differing tensor.
- Data parallelism splits the batch, not the model: each process computes gradients on
  its own data, an all-reduce averages them, and every process takes the same step.
- At scale, memory decides the design: 16-bit weights, 32-bit optimiser state split
  over the GPUs (ZeRO), activations recomputed instead of stored, and a frozen
  13-billion-parameter decoder that still runs backward for the blocks inside it.
- Time is work over sustained speed: count the work per part, with a factor for what
  each part's backward pass needs, and be explicit about the utilisation assumed.

## Questions

1. Why does the twin name its modules' attributes `attentionNorm` and `feedForward`
   rather than following Python's snake_case?
2. Why does `parity.py` compute in float64 rather than in float32, like our engine?
3. The gradient of an attention's key bias is zero. Why, and why is ours not exactly
   zero?
4. Our engine and the twin trained from the same start on the same batches end within
   10⁻⁴ of each other. Why not exactly equal, and why does the difference not grow
   into two different runs in two hundred steps?
5. In DistributedDataParallel, what travels between the processes at every step, and
   what never does?
6. Why does the two-process run learn from twice as many batches per step, and what
   would you change to make its training match the one-process run's?
7. Upstream freezes Vicuna-13B. Why does its backward pass still run through Vicuna's
   layers?
8. Why does mixed-precision training keep a 32-bit copy of every weight that learns?
9. What does a loss scale of 2¹⁶ do to a gradient of 10⁻⁹ stored in fp16, and why
   must the scale be lowered when a gradient becomes infinite?
10. In this appendix's table, the days of the paper's training do not depend on the
    number of GPUs, but the GPU-hours do. Why? What would you keep fixed instead to
    make more GPUs finish sooner?

## Exercises

Stubs are in `Chapters/AppendixB/Exercises.swift`; check an answer with
`swift run -c release AppendixB --check-exercise N`. Solutions are in
`Exercises/Solutions/AppendixB.swift`.

1. **ZeRO's stages** (implement). Return the bytes one GPU holds for weights,
   gradients and optimiser state in fp16 mixed precision with Adam, for N parameters
   of which N_t learn, on G GPUs, under ZeRO stage 0 (nothing split), 1 (the optimiser
   state split), 2 (the gradients too) and 3 (the weights too).
2. **The ring all-reduce** (implement). A ring all-reduce of B bytes over G GPUs is a
   reduce-scatter followed by an all-gather, each of G − 1 steps in which every GPU
   sends one G-th of the data to its neighbour. Return the bytes each GPU sends.
   What happens to the time of an all-reduce as G grows, if the links are the limit?

**Project: the twin on GPUs.** Make `Reference/train.py` and `Reference/mmi_tiny.py`
place every tensor on the process's device (the masks, indices and position codes the
model builds from Python lists among them), add bf16 autocast, and train on one GPU,
then on several. Check on the GPU with `parity.py` (which needs the same device
changes) before training: a GPU's kernels add in other orders, so expect other last
bits, never other formulas. Measure the step time, its ratio to the CPU's, and the
scaling from one GPU to two; then load what the GPUs trained into the Swift
`Generate`.
*/
