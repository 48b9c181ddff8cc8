/*:
# The Perceiver Resampler, and what a handful of tokens forgets

A language model reads tokens, and an image is worth many: our ViT gives 64 per
image, CLIP ViT-L/14 gives 256. Interleaved documents hold several images, so
MM-Interleaved, like Flamingo before it, squeezes each image into a fixed, small number
of visual tokens with a resampler: 64 in the paper, 8 in MMI-Tiny. The paper's
argument starts here: a fixed handful of tokens keeps *what* is in an image but loses
fine detail, *where exactly* and *which small thing*, which is why it adds the
Multi-Modal Feature Synchronizer (Chapter 5). This chapter builds the resampler and
measures the loss on our world.

**What to expect.** The chapter reads the encoder Chapter 3 saved (run Chapter 3
first). The quick run (`swift run -c release Chapter04`) takes about ten seconds and
trains each probe briefly; `--full` trains longer on more scenes (about three
minutes) and records its table and figure in `Results/`, which the chapter shows first
and draws its conclusions from; the quick run's own table follows it.
*/
import Autograd
import Datasets
import Layers
import Notebook
import Resampler
import Vision

var chapter = Chapter.begin(number: 4, title: "The Perceiver Resampler",
                            exercises: checkChapter04Exercise)
/*:
## K learned queries

The Perceiver Resampler [@alayrac2022flamingo] keeps K learned vectors, the
*latents*. In each layer they attend to the image's tokens and to themselves (queries
from the latents, keys and values from both), then pass through a feed-forward block.
Whatever the image held, K vectors come out:

@code(resampler)

The resampler holds the K latents and stacks such layers:

@code(resampler-stack)

> **Sidebar: what upstream really uses.** MM-Interleaved's code calls its resampler a
> "PerceiverResampler", but it is a BLIP-2 Q-Former [@li2023blip2]: BERT-style
> post-norm layers in which the queries attend to themselves, and, in every second
> layer, separately to the image (not to the image and themselves together, as here).
> The idea, a fixed number of learned queries that read the image, is the same; we
> follow Flamingo's simpler pre-norm form, the reference notes' recommendation for a
> small model.
*/
// The full run prefers Chapter 3's fully trained encoder; the quick run uses the quick
// one, so that its transcript does not depend on whether a full run happened before.
let (encoder, encoderPath) = orStop {
  try ImageEncoder.savedByChapter3(full: chapter.options.full, using: &chapter.generator)
}
show("loaded", encoderPath, "(\(encoder.parameterCount) parameters), frozen")

let demo = PerceiverResampler(tokens: 8, width: 64, using: &chapter.generator)
var demoRandom = SeededGenerator(seed: 4)
let demoScene = Scene.random(using: &demoRandom).render().tensor.reshaped([1, 3, 32, 32])
let imageTokens = withoutGradient { encoder.vit(demoScene) }  // [B, M, C]
show("image tokens", imageTokens.shape, "→ resampled", demo(imageTokens).shape)
/*:
## The experiment

We freeze the encoder and ask what survives the bottleneck. For K = 8, 16, 32 and 64
we train a resampler and a linear *probe* on its K output tokens to answer three
questions about a scene:

- *how many objects?* (1, 2 or 3): coarse;
- *is there a circle / a square / a triangle?*: coarse;
- *in exactly which cell is the first object?* (36 cells): fine.

A linear probe can only read out what the tokens already hold plainly, so its accuracy
measures what the K tokens keep. As a reference without bottleneck, the same probe
reads all 64 ViT tokens. Every arm gets the same fixed 2-D sine–cosine position code
on its input (without it, a bottleneck could not tell positions apart by
construction), the same scenes, steps and optimiser.
*/
/// What the probes predict for a scene.
struct Answers {
  var count: Int  // objects − 1
  var shapes: [Int]  // 1 if present, per shape
  var cell: Int  // (row − 1)·6 + (column − 1) of the first object in reading order
  init(_ scene: Scene) {
    count = scene.objects.count - 1
    shapes = ShapeKind.allCases.map { kind in
      scene.objects.contains { $0.shape == kind } ? 1 : 0
    }
    let first = scene.objectsInReadingOrder[0]
    cell = (first.row - 1) * 6 + (first.column - 1)
  }
}

/// Three linear read-outs from K tokens.
final class Probe: Layer {
  var count: Linear, shapes: Linear, cell: Linear
  init(inputs: Int, using generator: inout SeededGenerator) {
    count = Linear(inputs, 3, using: &generator)
    shapes = Linear(inputs, 3 * 2, using: &generator)
    cell = Linear(inputs, 36, using: &generator)
  }
}

/// A resampler (or none) and its probe.
final class Arm: Layer {
  var resampler: PerceiverResampler?
  var probe: Probe
  init(tokens: Int?, using generator: inout SeededGenerator) {
    resampler = tokens.map {
      PerceiverResampler(tokens: $0, width: 64, using: &generator)
    }
    probe = Probe(inputs: (tokens ?? 64) * 64, using: &generator)
  }

  /// Frozen image tokens [B, 64, C] → logits of the three questions.
  func callAsFunction(_ tokens: Tensor) -> (count: Tensor, shapes: Tensor, cell: Tensor) {
    let kept = resampler.map { $0(tokens) } ?? tokens  // [B, K, C]
    let flat = kept.reshaped([tokens.shape[0], -1])  // [B, K·C]
    return (probe.count(flat), probe.shapes(flat).reshaped([-1, 2]), probe.cell(flat))
  }
}

/// Image tokens (with the fixed position code) and answers for `count` fresh scenes.
func tokenPool(
  _ count: Int, encoder: ImageEncoder, using generator: inout SeededGenerator
) -> (tokens: [Tensor], answers: [Answers]) {
  let positions = sinCosPositions(channels: 64, height: 8, width: 8)  // [C, 8, 8]
    .reshaped([64, 64]).transposed()  // [M, C]
  var tokens: [Tensor] = [], answers: [Answers] = []
  for _ in 0..<(count / 32) {
    let scenes = (0..<32).map { _ in Scene.random(using: &generator) }
    let images = Tensor.stack(scenes.map { $0.render().tensor })  // [32, 3, 32, 32]
    tokens.append(withoutGradient { encoder.vit(images) + positions })  // [32, M, C]
    answers += scenes.map(Answers.init)
  }
  return (tokens, answers)
}

/// Loss of one batch, and the number of right answers per question.
func score(
  _ arm: Arm, _ tokens: Tensor, _ answers: ArraySlice<Answers>
) -> (loss: Tensor, right: [Int]) {
  let (count, shapes, cell) = arm(tokens)
  let countTargets = answers.map(\.count), cellTargets = answers.map(\.cell)
  let shapeTargets = answers.flatMap(\.shapes)
  let loss = crossEntropy(count, targets: countTargets)
    + crossEntropy(shapes, targets: shapeTargets)
    + crossEntropy(cell, targets: cellTargets)
  func right(_ logits: Tensor, _ targets: [Int]) -> Int {
    zip(logits.argmaxLastAxis(), targets).filter { $0 == $1 }.count
  }
  return (loss, [right(count, countTargets), right(shapes, shapeTargets),
                 right(cell, cellTargets)])
}
/*:
A pool of training scenes is encoded once (the encoder is frozen, so its tokens never
change), and so is a held-out set of 320 scenes for testing.
*/
var poolRandom = SeededGenerator(seed: 400)
let training = tokenPool(chapter.size(quick: 640, full: 4096), encoder: encoder,
                         using: &poolRandom)
var testRandom = SeededGenerator(seed: 401)
let testing = tokenPool(320, encoder: encoder, using: &testRandom)
show("encoded", training.answers.count, "training and", testing.answers.count,
     "held-out scenes")
/*:
Five arms learn the same three questions from the same scenes: resamplers with
K = 8, 16, 32 and 64 tokens, each followed by its probe, and a reference probe on all
64 ViT tokens without any resampler. The full run (800 steps per arm, on Chapter 3's
fully trained encoder) measured:

@fullrun(ch04-probes)

Read it column by column. The coarse questions survive any K. The exact cell does not
depend on K at all: the probes on 8, 16, 32 and 64 resampled tokens all stay a few
points above chance, while the probe on the 64 ViT tokens themselves does several
times better. So what loses *where* is not the number of tokens but the resampling:
64 resampled tokens are as blind to the exact cell as 8 (a likely reason: each latent
is a softmax-weighted mix over the whole image, which a linear probe cannot undo).
More tokens would not buy the detail back; reading the feature maps directly does.
That is why Chapter 5 keeps K = 8 and adds the Synchronizer, which reads the detail
straight from the feature maps whenever a token asks for it.

The same arms in the quick run, what your laptop shows in seconds:
*/

let steps = chapter.size(quick: 60, full: 800)
var results: [(name: String, tokens: Int?, accuracy: [Double])] = []
var probingSeconds = 0.0
for tokens in [8, 16, 32, 64, nil] as [Int?] {
  var armRandom = SeededGenerator(seed: 500)
  let arm = Arm(tokens: tokens, using: &armRandom)
  let name = tokens.map { "K = \($0)" } ?? "all 64 ViT tokens"
  var configuration = TrainingConfiguration(
    steps: steps, learningRate: 1e-3, warmupSteps: steps / 10, minimumLearningRate: 1e-4)
  configuration.label = name
  let trainer = Trainer(arm, configuration)
  try trainer.run { step in
    let b = step % training.tokens.count
    return score(arm, training.tokens[b], training.answers[(b * 32)..<(b * 32 + 32)]).loss
  }
  probingSeconds += trainer.seconds
  var right = [0, 0, 0]
  withoutGradient {
    for (b, batch) in testing.tokens.enumerated() {
      let counts = score(arm, batch, testing.answers[(b * 32)..<(b * 32 + 32)]).right
      right = zip(right, counts).map { $0 + $1 }
    }
  }
  let n = Double(testing.answers.count)
  results.append((name, tokens, [Double(right[0]) / n, Double(right[1]) / (3 * n),
                                 Double(right[2]) / n]))
}
showTiming("probing, 5 arms × \(steps) steps", seconds: probingSeconds)
func percent(_ x: Double) -> String { "\(rounded: 100 * x)%" }
let probeHeader =
  ["visual tokens", "how many? (coarse)", "which shapes? (coarse)", "which cell? (fine)"]
let probeRows = results.map { [$0.name] + $0.accuracy.map(percent) }
  + [["chance (most frequent answer or 1/36)", "33.3%", "≈ 50%", "2.8%"]]
showTable(probeHeader, probeRows)
try chapter.recordFullRun("probes", markdownTable(probeHeader, probeRows))
/*:
The quick run's probes above see a barely trained encoder for a few dozen steps and
sit near chance on the hard column; on a laptop they show in seconds that the
experiment runs, not what it finds. What to look for in the full run's table: whether
the coarse columns stay level as K shrinks, and whether the fine column falls below
the reference that reads all 64 ViT tokens.
*/
let accuracyChart = bottleneckChart(results)
try accuracyChart.save(to: chapter.figurePath("bottleneck"))
if let path = chapter.fullRunFigurePath("bottleneck") {
  try accuracyChart.save(to: path)
  try chapter.recordFullRun("bottleneck", """
    ![Held-out accuracy of linear probes on K resampled tokens in the full run, for two
    coarse questions and one fine one.](\(path)){width=90%}
    """)
}
/*:
@fullrun(ch04-bottleneck)

![The same in the quick run. The tables above also give the 64-token reference and
chance; the numbers are in
`Figures/ch04-bottleneck.csv`.](Figures/ch04-bottleneck.png){width=90%}

## Summary

- A resampler turns any number of image tokens into exactly K, by K learned queries
  that cross-attend to the image (and, in Flamingo's form, to themselves).
- MM-Interleaved uses 64 such tokens per image (a Q-Former in its code), MMI-Tiny 8.
- Linear probes measure what a fixed set of tokens keeps in plain view.
- Coarse facts (how many, which shapes) need few tokens. Exact positions are lost by
  the resampling itself, at every K (the full run's table): the gap the Synchronizer is
  built to close.

## Questions

1. Why does an interleaved model need a fixed number of tokens per image?
2. In a Perceiver Resampler layer, where do the queries, keys and values come from?
3. How does a Q-Former layer differ from it?
4. Why is the encoder frozen in this experiment?
5. Why a *linear* probe, and what would a deep probe measure instead?
6. Why give every arm the same position code on its input?
7. What does the 64-token arm tell us that the K arms cannot?
8. Why might K = 32 fail to beat K = 8 within a small training budget?

## Exercises

Stubs are in `Chapters/Chapter04/Exercises.swift`; check an answer with
`swift run -c release Chapter04 --check-exercise N`. Solutions are in
`Exercises/Solutions/Chapter04.swift`.

1. **Counting parameters** (warm-up). Write the number of parameters of a Perceiver
   Resampler with K latents of width C and L layers (the K×C latents; per layer a
   LayerNorm for the latents and one for the image tokens, attention with four C×C
   projections and their biases, and Chapter 3's feed-forward block C → 4C → C with its
   LayerNorm; a final LayerNorm; count every weight, bias and gain), and check it
   against the library's count.
2. **A bottleneck with nothing to learn** (implement, then extend). Average groups of
   N/K consecutive tokens down to K; then put it in the experiment in place of the
   resampler and compare.

**Project: is it the softmax?** The table says the resampling, not K, loses the exact
cell, and suggests why: every latent is a softmax-weighted mix over the whole image.
Test it: give the resampler's latents a fixed 2-D position each (a grid of K points)
and add to their attention scores a term that falls with the distance to that point,
so that each latent reads mostly its own neighbourhood. What to expect if the
explanation is right: at K = 64 (one latent per ViT token) the exact cell should climb
towards the 28 % of the plain ViT tokens; at K = 8 it cannot, since eight
neighbourhoods cannot name 36 cells.
*/
