/*:
# Denoising diffusion: the U-Net, DDIM and guidance

MM-Interleaved draws its images with a diffusion model: Stable Diffusion 2.1's U-Net
[@rombach2022ldm],
conditioned on the language model's states. Before Chapter 8 wires the two together,
this chapter builds the image decoder alone and trains it on the real handwritten
digits of Chapter 2, conditioned on a short text ("a handwritten seven") through the
same cross-attention the interleaved model will use.

A diffusion model learns to undo noise. The *forward process* destroys an image in many
small steps of Gaussian noise until nothing is left but noise; a network learns to
predict the noise in a noisy image; the *reverse process* starts from pure noise and
removes the predicted noise step by step until an image remains [@sohldickstein2015;
@ho2020ddpm]. DDIM [@song2021ddim] takes the same trained network back in a few large
steps, and classifier-free guidance [@ho2022cfg] trades variety for faithfulness to the
condition.

> **Sidebar: pixels here, latents upstream.** Our U-Net denoises the 32×32 pixels
> themselves. Stable Diffusion, whose U-Net MM-Interleaved uses, does not: an
> autoencoder (a VAE) first compresses each 512×512 image into a 4×64×64 *latent*, the
> U-Net denoises latents, and the autoencoder's decoder turns the final latent back
> into pixels. Its U-Net is also larger in kind, not only in size: besides residual
> blocks it holds transformer blocks (self-attention, cross-attention to the text, a
> feed-forward layer) at several resolutions, where ours has one cross-attention layer
> at 16² and 8². At 32×32 the pixels are already as small as a latent would be, so we
> skip the autoencoder; everything else in this chapter (the schedule, the loss,
> DDIM, guidance) is the same for latents.

**What to expect.** The quick run (`swift run -c release Chapter07`) takes about
twenty seconds and needs the CNN that Chapter 2 saves (run Chapter 2 first). It trains
the U-Net for a few steps only, so its samples are still noise, and the judge says so.
`--full` trains for about half an hour on two cores (about forty minutes with the
evaluation, under 300 MB of memory) and records its results for the book: well over
nine in ten of its samples should be read by Chapter 2's classifier as the digit that
was asked for.
*/
import Autograd
import Datasets
import Diffusion
import Layers
import Notebook

var chapter = Chapter.begin(number: 7, title: "Denoising diffusion",
                            exercises: checkChapter07Exercise)
/*:
## Digits as images

MMI-Tiny draws 32×32 images. The digits are 8×8, so we resample them to 32×32
bilinearly (the same resampling Chapter 2 used for its CNN) and map their range
[0, 1] to [−1, 1], the range diffusion models work in: noise is centred on zero, and
so should the data be. One channel is enough for grey digits; Chapter 8's U-Net is the
same network with three.
*/
let digits = try Digits.load()
var splitRandom = SeededGenerator(seed: 700)
let order = splitRandom.permutation(digits.count)
let heldOutCount = 300
let heldOut = digits.subset(Array(order[0..<heldOutCount]))
let training = digits.subset(Array(order[heldOutCount...]))
let imageSize = 32

/// Digits `indices` of `set` as diffusion data: [B, 1, 32, 32] in [−1, 1].
func diffusionImages(_ set: Digits, _ indices: [Int]) -> Tensor {
  set.batch(indices, size: imageSize).images * 2 - 1  // [B, 1, 32, 32]
}

show("\(training.count) training digits, \(heldOut.count) held out;",
     "each [1, \(imageSize), \(imageSize)] in [−1, 1]")
/*:
## The forward process

The forward process adds a little Gaussian noise at each of $T$ steps. Step $t$ keeps
$\sqrt{1 - \beta_t}$ of the signal and adds noise of variance $\beta_t$; the $\beta$s
rise from small to large, so the image fades slowly at first. Because Gaussians
compose, any step can be reached in one jump: with
$\bar\alpha_t = \prod_{s=1}^{t} (1 - \beta_s)$,

$$x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon,
\qquad \varepsilon \sim \mathcal{N}(0, I).$$

MMI-Tiny uses $T = 200$ steps with $\beta$ rising linearly from $5\cdot 10^{-4}$ to
0.1. That is DDPM's linear schedule ($10^{-4}$ to 0.02 over 1,000 steps) squeezed into
fewer steps; keeping DDPM's $\beta$s at $T = 200$ would leave $\bar\alpha_T \approx
0.13$, a third of the signal's amplitude at the end, which the sampler's pure-noise
start would never match.

@code(noised)
*/
let schedule = NoiseSchedule.linear()
let cosine = NoiseSchedule.cosine()
show("T = \(schedule.steps): β from \(formatted(schedule.betas.first!)) to",
     "\(formatted(schedule.betas.last!));",
     "ᾱ_T = \(formatted(schedule.alphaBars.last!, significantDigits: 3))")
let mildDDPM = NoiseSchedule.linear(steps: 200, from: 1e-4, to: 0.02)
show("DDPM's βs (1e-4 to 0.02) at T = 200 would leave ᾱ_T =",
     formatted(mildDDPM.alphaBars.last!, significantDigits: 3))
try signalChart([("linear betas (MMI-Tiny)", schedule), ("cosine", cosine),
                 ("DDPM's betas at T = 200", mildDDPM)])
  .save(to: chapter.figurePath("signal"))
/*:
![The signal left at each step: MMI-Tiny's linear schedule fades the image to almost
nothing by t = 200; the cosine schedule keeps more signal early on; DDPM's original
βs at 200 steps leave a third of it.](Figures/ch07-signal.png)

One digit of each class, noised to increasing $t$ with one shared draw of $\varepsilon$:
*/
let fadeSteps = [0, 10, 25, 50, 75, 100, 150, 199]
var fadeRandom = SeededGenerator(seed: 701)
let oneOfEach = (0..<10).map { d in training.labels.firstIndex(of: d)! }
let cleanExamples = diffusionImages(training, oneOfEach)  // [10, 1, 32, 32]
let sharedNoise = Tensor.normal(cleanExamples.shape, using: &fadeRandom)
try forwardSheet(cleanExamples, noise: sharedNoise, schedule: schedule, steps: fadeSteps)
  .writePNG(to: chapter.figurePath("forward"))
/*:
![The forward process on four digits: $x_t$ for growing $t$ (values outside [−1, 1]
clipped for display). By t = 100 the digit is hard to see; by t = 199 it is
gone.](Figures/ch07-forward.png)

## The way back

If we knew the noise $\varepsilon$ in $x_t$, we could solve the equation above for
$x_0$. A network $\varepsilon_\theta(x_t, t, c)$ learns to predict it, given the step
$t$ and a condition $c$; training is regression, the mean squared error between the
true and the predicted noise at a random step:

$$L = \mathbb{E}_{x_0, t, \varepsilon}\,\bigl\lVert \varepsilon - \varepsilon_\theta\bigl(
\sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon,\ t,\ c\bigr)
\bigr\rVert^2.$$

DDPM's reverse step from $t$ to $t - 1$ subtracts a scaled prediction and adds fresh
noise of the posterior's variance:

$$x_{t-1} = \frac{1}{\sqrt{1 - \beta_t}}\left(x_t - \frac{\beta_t}{\sqrt{1 -
\bar\alpha_t}}\, \varepsilon_\theta(x_t, t, c)\right) + \sqrt{\tilde\beta_t}\, z,$$

with $z \sim \mathcal{N}(0, I)$ and the posterior's variance

$$\tilde\beta_t = \beta_t\, \frac{1 - \bar\alpha_{t-1}}{1 - \bar\alpha_t}.$$

In code:

@code(ddpm-step)

## The U-Net

$\varepsilon_\theta$ is a U-Net [@ronneberger2015unet, as DDPM adapted it]:
convolutions that halve the resolution on the way down and double it on the way up, with
each level's features on the way down handed across ("skip connections") to the same
level on the way up, so the fine detail lost in the coarse middle comes back. MMI-Tiny's
has three levels (32², 16², 8² at 32, 64, 64 channels) and a middle block at 8²:

![The U-Net of this chapter (one channel for grey digits; Chapter 8's has three). The
shapes on the skip connections are the ones a pass over two images shows below,
[B, C, H, W]; the diamonds mark where Chapter 8 adds MMFS
features.](Figures/ch07-unet.png){width=95%}

Four parts make it.

The *timestep* enters as a sinusoidal code, Transformer-style, through a small MLP:

@code(time-embedding)

Each level has a *residual block*: GroupNorm, SiLU and a 3×3 convolution, twice, with
the time embedding added to every pixel in between:

@code(residual-block)

At 16² and 8², every pixel cross-attends to the condition tokens, which is how the
text reaches the image (in MM-Interleaved, the language model's states). Not at 32²:
there are four times as many pixels, so cross-attention would cost four times as much
for the level whose job is fine texture, while what a prompt decides (which digit,
roughly where its strokes go) is settled at the coarse levels. (SDXL makes the same
choice at its finest level; Stable Diffusion 2.1 pays for attention there.)

@code(condition-attention)

And the whole network, down, middle and up. The `hook` is where Chapter 8 adds MMFS
features to every skip connection and to the middle block:

@code(unet)

The condition this chapter trains with is a prompt in words, and one forward pass on
two noisy digits shows the shapes the hook sees:
*/
/// The words of the condition: "a handwritten seven", and so on.
let digitNames = ["zero", "one", "two", "three", "four", "five", "six", "seven",
                  "eight", "nine"]
let promptWords = ["a", "handwritten"] + digitNames

/// The condition of this chapter: "a handwritten <digit>" as three learned word
/// vectors, [B, 3, 128], the shape of the condition tokens Chapter 8's resampler
/// will make from the language model. `null` is the learned "no condition" that
/// classifier-free guidance trains with.
final class DigitPrompt: Layer {
  var words: Embedding  // [12, 128]
  var null: Tensor  // [1, 3, 128]

  init(width: Int, using generator: inout SeededGenerator) {
    words = Embedding(promptWords.count, width, using: &generator)
    null = Initialization.normal(std: 1).tensor(
      [1, 3, width], fanIn: width, fanOut: width, using: &generator)
  }

  /// Condition tokens for each digit: [B, 3, C].
  func callAsFunction(_ digits: [Int]) -> Tensor {
    let ids = digits.flatMap { [0, 1, 2 + $0] }  // a, handwritten, <digit>
    return words(ids, shape: [digits.count, 3])  // [B, 3, C]
  }
}

var configuration = UNetConfiguration()
configuration.imageChannels = 1
var modelRandom = SeededGenerator(seed: 702)
let unet = UNet(configuration, using: &modelRandom)
let prompt = DigitPrompt(width: configuration.contextWidth, using: &modelRandom)
let diffusion = DiffusionModel(net: unet, schedule: schedule, nullCondition: prompt.null)
var siteShapes: [String] = [], hookShapes: [[Int]] = []
let probeOutput = withoutGradient {
  unet(schedule.noised(cleanExamples.sliced(axis: 0, 0..<2), at: [50, 150],
                       noise: sharedNoise.sliced(axis: 0, 0..<2)),
       timesteps: [50, 150], context: prompt([0, 1])) { site, features in
    siteShapes.append("\(site): \(features.shape)")
    hookShapes.append(features.shape)
    return features
  }
}
try unetFigure(shapes: hookShapes, sizes: [32, 16, 8], channels: configuration.channels,
               imageChannels: configuration.imageChannels)
  .writePNG(to: chapter.figurePath("unet"))
show("input x_t: [2, 1, 32, 32]; condition:", prompt([0, 1]).shape)
for line in siteShapes { show("  hook at", line) }
show("predicted noise:", probeOutput.shape)
showTable(["part of the U-Net", "weights"], partCountRows(unet))
/*:
## Training with a condition in words

The condition is the prompt "a handwritten seven", three learned word vectors (the
`DigitPrompt` above). Ten times in a hundred, the training loss replaces a prompt by
the learned null condition, so the same network also learns to draw digits
unconditionally; guidance, below, needs both.

@code(diffusion-loss)

The `aim` is the noise ε here. A diffusion model may instead be trained to predict the
clean image, or the *velocity* √ᾱ·ε − √(1 − ᾱ)·x0 (`DiffusionTarget`); at a given x_t
each determines the others, and the sampler turns whichever was predicted back into ε,
but the loss then weighs the timesteps differently. Chapter 9 needs that choice.

Diffusion models are sampled with an *exponential moving average* of their weights
rather than the latest weights; the average removes most of the step-to-step jitter
that noisy gradients leave. Large models use a decay of 0.9999, an average over the
last ten thousand or so steps; our runs are a few thousand steps long, so we use 0.995,
about the last two hundred, or the average would still remember the random start:

@code(weight-average)

Sampling uses the averaged weights and then puts the trained ones back:

@code(weight-average-use)
*/
let batchSize = chapter.size(quick: 8, full: 16)
let steps = chapter.size(quick: 12, full: 3000)
var settings = TrainingConfiguration(
  steps: steps, learningRate: 1e-3, warmupSteps: min(100, steps / 10),
  minimumLearningRate: 1e-4)
(settings.averageDecay, settings.label) = (0.995, "U-Net")
let trainer = Trainer(
  unet.namedParameters + prompt.namedParameters.map { ("prompt." + $0.name, $0.tensor) },
  settings)
let average = trainer.average!
/*:
While it trains, every few hundred steps we draw 50 digits (five of each, with the
averaged weights, 10 DDIM steps and guidance 3) and ask Chapter 2's classifier, which
is introduced below, what it reads; this shows how long the condition takes to be
learned.
*/
let (judge, judgePath) = orStop {
  try DigitCNN.savedByChapter2(full: chapter.options.full, using: &modelRandom)
}
/// Draws one image of each digit in `asked` with `model`, 8 prompts at a time (a
/// U-Net call on 16 images costs less per image than one on 100: see `make bench`).
func draw(_ asked: [Int], _ model: DiffusionModel, _ prompt: DigitPrompt, steps: Int,
          guidance: Float, eta: Float = 0, using generator: inout SeededGenerator)
  -> Tensor
{
  var pieces: [Tensor] = []
  for start in stride(from: 0, to: asked.count, by: 8) {
    let chunk = Array(asked[start..<min(start + 8, asked.count)])
    pieces.append(model.sample(conditions: prompt(chunk), height: imageSize,
                               width: imageSize, steps: steps, guidance: guidance,
                               eta: eta, using: &generator))
  }
  return Tensor.concatenate(pieces, axis: 0)  // [B, 1, 32, 32]
}
/// How many of five samples per digit `judge` reads as the digit asked for.
func progressCheck(_ model: DiffusionModel, _ prompt: DigitPrompt, _ judge: DigitCNN,
                   using generator: inout SeededGenerator) -> Double {
  let asked = (0..<50).map { $0 / 5 }
  let images = draw(asked, model, prompt, steps: 10, guidance: 3,
                    using: &generator)  // [50, 1, 32, 32]
  return share(judged(images, by: judge).classes, asked)
}
let checkEvery = chapter.size(quick: 0, full: 300)  // none in the quick run
var checkRandom = SeededGenerator(seed: 706)
var checkCurve: [(x: Double, y: Double)] = []
try trainer.run { step in
  var trainRandom = SeededGenerator(seed: 70_000 + UInt64(step))  // step k's batch
  let indices = (0..<batchSize).map { _ in trainRandom.nextInt(below: training.count) }
  let x0 = diffusionImages(training, indices)  // [B, 1, 32, 32]
  let conditions = prompt(indices.map { training.labels[$0] })  // [B, 3, 128]
  return diffusion.loss(x0, conditions: conditions, using: &trainRandom)
} afterStep: { step in
  if checkEvery > 0 && (step + 1) % checkEvery == 0 {
    let read = average.withAveragedWeights {
      progressCheck(diffusion, prompt, judge, using: &checkRandom)
    }
    checkCurve.append((Double(step + 1), 100 * read))
  }
}
let (trainingSeconds, lossCurve) = (trainer.seconds, trainer.losses.map(Double.init))
showTiming("\(steps) steps of \(batchSize) digits", seconds: trainingSeconds)
showMeasurement("training speed (forward, backward, AdamW)",
                formatted(Double(steps * batchSize) / trainingSeconds) + " images/s")
let lossWindow = max(1, steps / 60)
let firstLoss = lossCurve.prefix(lossWindow).reduce(0, +) / Double(lossWindow)
let lastLoss = lossCurve.suffix(lossWindow).reduce(0, +) / Double(lossWindow)
show("noise-prediction loss, mean of the first and last \(lossWindow) steps:",
     "\(rounded: firstLoss) → \(rounded: lastLoss)")
for point in checkCurve {
  show("after step \(Int(point.x)):",
       "\(rounded: point.y)% of 50 quick samples read as asked")
}
let speed = formatted(Double(steps * batchSize) / trainingSeconds)
try saveTrainingFigures(
  chapter, losses: lossCurve, window: lossWindow, checks: checkCurve,
  summary: "\(steps) steps of \(batchSize) digits took "
    + "\(formattedDuration(trainingSeconds)) (\(speed) images/s); the loss fell from "
    + "\(rounded: firstLoss) to \(rounded: lastLoss) (means over \(lossWindow) steps).")
/*:
The full run, with its samples checked during training:

@fullrun(ch07-training)

Note how little the loss and the samples agree: the loss is nearly flat after a
thousand steps, while the share of samples drawn as asked is still climbing, from
little above chance toward all of them. What the condition changes is a small part of
the noise to predict, so learning to follow it hardly shows in the loss.

![The loss of the quick run above (mean over windows of steps, log scale): the fast
first drop, and no more.](Figures/ch07-loss.png){width=75%}
*/
/*:
## Sampling: DDPM and DDIM

DDPM walks back through all T = 200 steps. DDIM [@song2021ddim] observed that the
training loss only fixes the marginals $q(x_t \mid x_0)$, not the path between them,
and that a deterministic path exists with the same marginals: predict $x_0$ from $x_t$,
then jump straight to the noise level of any earlier step $s < t$ along the predicted
noise:

$$\hat x_0 = \frac{x_t - \sqrt{1 - \bar\alpha_t}\,\hat\varepsilon}
{\sqrt{\bar\alpha_t}},\qquad
x_s = \sqrt{\bar\alpha_s}\,\hat x_0 + \sqrt{1 - \bar\alpha_s - \sigma^2}\,
\hat\varepsilon + \sigma z,$$

where $\hat\varepsilon = \varepsilon_\theta(x_t, t, c)$ and
$\sigma = \eta\,\sqrt{(1 - \bar\alpha_s)/(1 - \bar\alpha_t)}
\sqrt{1 - \bar\alpha_t/\bar\alpha_s}$. That allows 25 steps instead of 200. The
parameter $\eta$ scales the fresh noise: $\eta = 0$ is deterministic, and $\eta = 1$
on consecutive steps is exactly DDPM's step (a test checks it). We also clamp each
predicted $\hat x_0$ to the data's range $[-1, 1]$:

@code(ddim-step)

Classifier-free guidance runs the network twice per step, with the prompt $c$ and
with the null condition $\varnothing$, and moves further in the direction the prompt
adds, by a scale $w$:

$$\hat\varepsilon = \varepsilon_\theta(x_t, t, \varnothing) + w\,\bigl(
\varepsilon_\theta(x_t, t, c) - \varepsilon_\theta(x_t, t, \varnothing)\bigr).$$

@code(guidance)

@code(diffusion-sample)
*/
/*:
## A judge for generated digits

How good is a generated digit? We ask Chapter 2's CNN, which never saw the diffusion
model's outputs. It reads 16×16 images in [0, 1]; we average 2×2 blocks of our 32×32
samples to get there. Two numbers come out:

- the share of samples it classifies as the digit that was asked for, which measures
  whether the condition is followed;
- a **Fréchet distance** between generated and real digits in its feature space: each
  image becomes the 32 channels of the CNN's last convolution averaged over positions,
  each set of images a cloud of such vectors, summarised by its mean and covariance.
  This is FID [@heusel2017fid] with a digit classifier in place of Inception. It is
  small only when the samples are both realistic *and* as varied as the real digits.

@code(frechet)

The distance between the two Gaussians needs a matrix square root, computed from the
eigenvalues of a symmetric matrix:

@code(frechet-distance)
*/
/// Class predictions and feature vectors of Chapter 2's CNN for [B, 1, 32, 32] images.
func judged(_ images: Tensor, by judge: DigitCNN)
  -> (classes: [Int], features: [[Float]])
{
  withoutGradient {
    let small = (averagePool(images, factor: 2) + 1) * 0.5  // [B, 1, 16, 16] in [0, 1]
    let maps = judge.maps(small)  // [B, 32, 4, 4]
    let pooled = maps.reshaped([maps.shape[0], 32, 16]).mean(axis: 2)  // [B, 32]
    let classes = judge.scoresFromMaps(maps).argmaxLastAxis()
    let features = (0..<pooled.shape[0]).map {
      Array(pooled.data[($0 * 32)..<($0 * 32 + 32)])
    }
    return (classes, features)
  }
}
/// The share of `classes` equal to `asked`.
func share(_ classes: [Int], _ asked: [Int]) -> Double {
  Double(zip(classes, asked).filter { $0 == $1 }.count) / Double(asked.count)
}
let trainingJudged = judged(diffusionImages(training, Array(0..<training.count)),
                            by: judge)
let realStatistics = FeatureStatistics(trainingJudged.features)
let heldOutJudged = judged(diffusionImages(heldOut, Array(0..<heldOut.count)), by: judge)
let floor = frechetDistance(FeatureStatistics(heldOutJudged.features), realStatistics)
// Each class's average training digit, repeated: perfectly legible, no variety at all.
let classMeans = (0..<10).map { d in
  diffusionImages(training, training.labels.indices.filter { training.labels[$0] == d })
    .mean(axis: 0, keepingDims: true)  // [1, 1, 32, 32]
}
let meanAsked = heldOut.labels
let meanImages = Tensor.concatenate(meanAsked.map { classMeans[$0] }, axis: 0)
let meanJudged = judged(meanImages, by: judge)
show("the judge is", judgePath)
let meanDistance = frechetDistance(FeatureStatistics(meanJudged.features), realStatistics)
let baselineHeader = ["images (against the \(training.count) training digits)",
                      "classified as asked", "Fréchet distance"]
let baselineRows = [
  ["\(heldOut.count) held-out real digits",
   "\(rounded: 100 * share(heldOutJudged.classes, heldOut.labels))%",
   "\(rounded: floor)"],
  ["\(heldOut.count) copies of class averages",
   "\(rounded: 100 * share(meanJudged.classes, meanAsked))%", "\(rounded: meanDistance)"],
]
showTable(baselineHeader, baselineRows)
/*:
Real held-out digits set the floor for both numbers: no generator should expect to
beat them. The class averages show why the distance matters: the judge reads them
perfectly well, but a generator that always drew the average digit would be far from
the real cloud, because it has no variety.

## What the trained model draws

Twenty samples of each digit (one in the quick run) with DDIM-25 and guidance 3,
MMI-Tiny's settings (the quick run takes 10 steps), from the averaged weights:
*/
average.applyAverage()
let perClass = chapter.size(quick: 1, full: 20)
let samplingSteps = chapter.size(quick: 10, full: 25)
let asked = (0..<(10 * perClass)).map { $0 / perClass }
var sampleRandom = SeededGenerator(seed: 705)
let (samples, samplingSeconds) = timed {
  draw(asked, diffusion, prompt, steps: samplingSteps, guidance: 3, using: &sampleRandom)
}
showTiming("\(asked.count) samples, DDIM-\(samplingSteps) with guidance 3",
           seconds: samplingSeconds)
let samplesJudged = judged(samples, by: judge)
let sampleAccuracy = share(samplesJudged.classes, asked)
let sampleDistance = frechetDistance(FeatureStatistics(samplesJudged.features),
                                     realStatistics)
show("classified as asked: \(rounded: 100 * sampleAccuracy)%;",
     "Fréchet distance \(rounded: sampleDistance)",
     "(real held-out digits: \(rounded: floor))")
let digitRows = perDigitRows(asked: asked, read: samplesJudged.classes,
                             names: digitNames)
showTable(["asked for", "classified as asked", "most common mistake"], digitRows)
let samplesFigure = sampleSheet(samples, asked: asked, read: samplesJudged.classes,
                                perClass: perClass)
try samplesFigure.writePNG(to: chapter.figurePath("samples"))
try recordSamples(
  chapter, sheet: samplesFigure, table: markdownTable(
    ["asked for", "classified as asked", "most common mistake"], digitRows),
  summary: "All \(asked.count) samples: \(rounded: 100 * sampleAccuracy)% classified as "
    + "asked, Fréchet distance \(rounded: sampleDistance). The yardsticks, with the same "
    + "judge (\(judgePath)):\n\n" + markdownTable(baselineHeader, baselineRows),
  perClass: perClass)
/*:
@fullrun(ch07-samples)

The judge reads 199 of the 200 samples as the digit asked for, as often as it reads
real held-out digits correctly. The Fréchet distance tells the rest: 1.01, far above
real digits' 0.045 and far below the 2.7 of copying each class's average image. The
samples are the right digits, in varied styles, but some keep a grain of leftover
noise and some strokes are blurred, and the judge's features tell them from real ones.

![Samples from the quick run, one per digit from zero to nine, each captioned with the
judge's reading where it differs from the digit asked for. The quick run's
model has barely started training, so they are still noise.](Figures/ch07-samples.png)

## Watching a sample form

DDIM's 25 steps (10 in the quick run) for two digits: each column is one step, the
upper row of each pair the current $x_t$ and the lower row the clean image
$\hat x_0$ the network predicts from it. In the full run the prediction becomes a
recognisable digit about halfway down, long before $x_t$ itself does; the later steps
sharpen it.
*/
let traceDigits = [3, 7]
var traceRandom = SeededGenerator(seed: 707)
var traced: [(t: Int, x: [[Float]], clean: [[Float]])] = []
let traceSteps = chapter.size(quick: 10, full: 25)
_ = diffusion.sample(conditions: prompt(traceDigits), height: imageSize, width: imageSize,
                     steps: traceSteps, guidance: 3, using: &traceRandom) { t, x, clean in
  traced.append((t, pictures(x), pictures(clean)))
}
let traceSheet = denoisingSheet(traced, digits: traceDigits.count)
try traceSheet.writePNG(to: chapter.figurePath("denoising"))
if let path = chapter.fullRunFigurePath("denoising") {
  try traceSheet.writePNG(to: path)
  try chapter.recordFullRun("denoising", """
    ![DDIM-\(traceSteps) from noise to a three and a seven in the full run: $x_t$ (upper \
    rows) and the predicted clean image (lower rows).](\(path)){width=90%}
    """)
}
/*:
@fullrun(ch07-denoising)

![The same in the quick run, whose model has not learned to draw yet.
](Figures/ch07-denoising.png)

## Fewer steps

DDPM needs all 200 steps, each adding fresh noise; DDIM with η = 0 can take far fewer.
The same prompts, drawn each way (guidance 3):
*/
let stepPrompts = (0..<chapter.size(quick: 10, full: 20)).map { $0 % 10 }
let stepSettings: [(name: String, steps: Int, eta: Float)] = chapter.size(
  quick: [("DDIM", 2, 0), ("DDIM", 5, 0)],
  full: [("DDPM", 200, 1), ("DDIM", 50, 0), ("DDIM", 25, 0), ("DDIM", 10, 0),
         ("DDIM", 5, 0), ("DDIM", 2, 0)])
var stepRows: [[String]] = []
for setting in stepSettings {
  var random = SeededGenerator(seed: 708)
  let (images, seconds) = timed {
    draw(stepPrompts, diffusion, prompt, steps: setting.steps, guidance: 3,
         eta: setting.eta, using: &random)
  }
  let read = judged(images, by: judge)
  stepRows.append([setting.name, "\(setting.steps)", "\(2 * setting.steps)",
                   "\(rounded: 100 * share(read.classes, stepPrompts))%",
                   formatted(seconds / Double(stepPrompts.count), significantDigits: 2)
                     + " s"])
}
let stepHeader = ["sampler", "steps", "U-Net images per sample",
                  "classified as asked (of \(stepPrompts.count))", "time per sample"]
showTable(stepHeader, stepRows.map { Array($0.dropLast()) + ["⏱"] })
try chapter.recordFullRun("steps", markdownTable(stepHeader, stepRows))
/*:
(The quick run prints ⏱ for the times, which vary between machines.) The full run:

@fullrun(ch07-steps)

DDIM with 25 steps costs an eighth of DDPM's 200 and, by this judge, loses nothing:
every sampler down to 5 steps draws the digit asked for in all twenty tries, and only
at 2 steps does the share fall. Sample time grows in proportion to the steps, since
each is two U-Net passes (with and without the prompt).

## Guidance

Guidance scale w = 1 is the conditional model alone; w = 0 the unconditional one,
which draws digits of every kind; w > 1 exaggerates what the prompt adds. Ten samples
of each digit at each scale (one in the quick run), with the same starting noise:
*/
let guidanceScales: [Float] = chapter.size(quick: [0, 3], full: [0, 1, 2, 3, 5])
let guidancePerClass = chapter.size(quick: 1, full: 10)
let guidancePrompts = (0..<(10 * guidancePerClass)).map { $0 % 10 }
let guidanceSteps = chapter.size(quick: 10, full: 25)
let heldOutSubset = FeatureStatistics(
  Array(heldOutJudged.features.prefix(max(guidancePrompts.count, 2))))
var guidanceRows: [[String]] = []
var guidanceImages: [[Float]] = []
var accuracyPoints: [(x: Double, y: Double)] = []
for scale in guidanceScales {
  var random = SeededGenerator(seed: 709)
  let images = draw(guidancePrompts, diffusion, prompt, steps: guidanceSteps,
                    guidance: scale, using: &random)
  let read = judged(images, by: judge)
  let accuracy = 100 * share(read.classes, guidancePrompts)
  let distance = frechetDistance(FeatureStatistics(read.features), realStatistics)
  guidanceRows.append(["\(scale)", "\(rounded: accuracy)%", "\(rounded: distance)"])
  guidanceImages += pictures(images.sliced(axis: 0, 0..<10))
  accuracyPoints.append((Double(scale), accuracy))
}
let guidanceHeader = ["guidance w", "classified as asked (of \(guidancePrompts.count))",
                      "Fréchet distance"]
showTable(guidanceHeader, guidanceRows)
show("\(guidancePrompts.count) real held-out digits: Fréchet distance",
     "\(rounded: frechetDistance(heldOutSubset, realStatistics))")
try saveGuidanceFigures(
  chapter, images: guidanceImages, scales: guidanceScales, accuracy: accuracyPoints,
  table: markdownTable(guidanceHeader, guidanceRows),
  note: "For comparison, \(guidancePrompts.count) real held-out digits: Fréchet "
    + "distance \(rounded: frechetDistance(heldOutSubset, realStatistics)).")
/*:
@fullrun(ch07-guidance)

![The quick run's model from the same starting noise at each of its guidance scales
(rows), asking for zero to nine from left to right.](Figures/ch07-guidance.png)

At w = 0 the samples are any digit at all: about one in ten is the one asked for,
which is chance. Raising w buys faithfulness with variety. Near w = 2 almost every
sample follows the prompt; beyond that the distance only grows, as the samples of each
digit become more alike. Below it the distance need not be smallest at w = 0:
unprompted samples need not come in the training set's mix of digits, and the
distance measures that mix as well as realism (in the run recorded above it is
smallest at w = 1). MMI-Tiny's w = 3, like the paper's 3.5, sits past the point where
the prompt is followed, trading some realism for certainty.

## Summary

- The forward process noises data in closed form,
  $x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon$;
  MMI-Tiny's schedule ($T = 200$, $\beta$ from $5\cdot 10^{-4}$ to 0.1) leaves almost
  nothing at $T$.
- A U-Net with the timestep added in every residual block and cross-attention to the
  condition tokens learns to predict $\varepsilon$ by plain regression.
- DDPM walks back through every step with fresh noise; DDIM predicts $x_0$ and jumps
  to an earlier noise level, so 25 steps do the work of 200 ($\eta = 1$ on consecutive
  steps is DDPM again).
- Classifier-free guidance trains one network with and without its condition and, at
  sampling time, pushes the prediction further toward what the condition adds; larger
  scales follow the condition more closely and lose variety.
- A fixed classifier judges generated images: the share read as the requested class,
  and a Fréchet distance between feature clouds that also punishes lack of variety.
- Chapter 8 keeps this U-Net and adds MMFS features at every skip connection and at
  the middle block (the `hook`), with the condition coming from the language model.

## Questions

1. Why can $x_t$ be sampled in one jump from $x_0$, without simulating the steps
   before it?
2. What goes wrong at sampling time if $\bar\alpha_T$ is not close to 0?
3. Why does the U-Net need to know $t$? What could it not do without it?
4. The loss predicts $\varepsilon$ rather than $x_0$. What would a perfect
   $\varepsilon$-predictor let us compute, and how?
5. Why is the DDPM posterior variance $\tilde\beta_t$ smaller than $\beta_t$?
6. DDIM uses the same trained network as DDPM. What does it change, and why is that
   allowed?
7. Why is the condition dropped during training 10 % of the time, and not never?
8. What do samples at guidance scale 0 show? What happens as the scale grows large?
9. Why average the weights for sampling, but train with the raw ones?
10. Why is a classifier's accuracy on generated images not enough to judge a
    generator? What does the Fréchet distance add, and what can it miss?
11. The judge reads 16×16 images and was trained on real digits. How could that bias
    the numbers in this chapter?
12. Where does cross-attention sit in this U-Net, and why not at 32²?

## Exercises

Stubs are in `Chapters/Chapter07/Exercises.swift`; check an answer with
`swift run -c release Chapter07 --check-exercise N`. Solutions are in
`Exercises/Solutions/Chapter07.swift`.

1. **The forward process by hand** (warm-up). Given the βs, a clean signal, the noise
   and a step $t$, compute $x_t$, and check it against `NoiseSchedule.noised`.
2. **A DDIM step** (implement). Given $x_t$, the predicted noise and the two noise
   levels $\bar\alpha$, take one deterministic DDIM step.
3. **The timestep code** (implement). Write the sinusoidal code of a timestep.
4. **Fréchet distance, diagonal case** (extend). When both covariances are diagonal, the
   matrix square root is taken axis by axis. Write the distance for that case, and
   compare it with `frechetDistance`.

**Project: predict $x_0$ instead of $\varepsilon$.** The network can be trained to
output the clean image (or $v = \sqrt{\bar\alpha_t}\,\varepsilon -
\sqrt{1 - \bar\alpha_t}\, x_0$) instead of the noise; DDIM needs only the formula
that turns one prediction into the other. Train the full run each way and compare the
two numbers of the judge. What to expect: at this size all three learn to draw digits;
$x_0$-prediction tends to give smoother, blurrier samples (its loss weighs the
noisiest steps, where the best guess is an average), $\varepsilon$-prediction the
grainier ones seen above; Chapter 9 returns to this choice for the interleaved model.
*/
