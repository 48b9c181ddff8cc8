/*:
# The Vision Transformer, and a world to train it on

MM-Interleaved reads images through a frozen, pre-trained encoder: CLIP's
[@radford2021clip] Vision Transformer [@dosovitskiy2021vit], extended by a ViT-Adapter
[@chen2023vitadapter] into a pyramid of multi-scale feature maps.
The visual tokens the language model sees come from the encoder's output, and the
Multi-Modal Feature Synchronizer of Chapter 5 reaches back into the pyramid for
detail. This chapter builds both, and the data everything in the book learns from.

**Data.** We cannot download CLIP's 400 million image–text pairs, and our CPU could not
use them. Instead we generate a small world on the fly: 32×32 scenes of coloured
shapes, with captions, questions, referring expressions, segmentation maps and
stories, endless and exact. Fine detail (exactly where, which colour) is what a handful
of visual tokens loses, so this world can show the paper's claims.

**Model.** A ViT with 4×4 patches, width 64, 4 layers and 4 heads (the paper's
ViT-L/14 has width 1024 and 24 layers), a feature pyramid at 16², 8² and 4², and a
mini-CLIP to pre-train them: a small text encoder and a contrastive loss that pulls
each image towards its own caption.

**What to expect.** The quick run (`swift run -c release Chapter03`) takes about
twenty seconds on a 2-core laptop and trains for a few dozen steps, enough to see the
loss fall; `--full` trains for 1,200 steps (about six minutes). The full run should
find the right caption for at least 80% of held-out images among 32 candidates (3%
by chance), and name the colour and shape of a lone object far above chance; the
run below prints what it reached. Peak memory stays under 300 MB.
*/
import Autograd
import Datasets
import Layers
import Notebook
import Vision

var chapter = Chapter.begin(number: 3, title: "The Vision Transformer, and a world",
                            exercises: checkChapter03Exercise)
try pipelineFigure().writePNG(to: chapter.figurePath("pipeline"))
/*:
## The machine we are building

From this chapter on, every chapter builds one part of one model, which the book
calls **MMI-Tiny**: MM-Interleaved with every mechanism kept and every size shrunk, so
that the whole of it trains on two CPU cores in minutes. Here is all of it, each box
tinted by the chapter that builds it:

![MMI-Tiny. An image becomes 64 ViT tokens and then 8 visual tokens, which fill the
`<image>` slots of one sequence beside the text's tokens; the decoder reads the
sequence and predicts the next token. Where an image comes next, the decoder's states
condition the U-Net that draws it. Both the decoder and the U-Net reach back, through
the Multi-Modal Feature Synchronizer (dashed), into the multi-scale maps of earlier
images.](Figures/ch03-pipeline.png){width=100%}

The paper's model and ours, part by part:

| part | MM-Interleaved (paper, authors' code) | MMI-Tiny (this book) |
|---|---|---|
| images | 224² in, 512² out (latent diffusion) | 32² RGB in and out (pixel diffusion) |
| image encoder | CLIP ViT-L/14 (frozen), ViT-Adapter | ViT: patch 4, width 64, 4 layers |
| multi-scale maps | 4 maps, 1024 channels | 16², 8², 4² at 64 channels |
| visual tokens per image | 64 (a Q-Former) | 8 (a Perceiver Resampler) |
| language model | Vicuna-13B, 40 layers | LLaMA-style, width 128, 4 layers |
| MMFS | 16 heads, 8 points, every 4th layer | 4 heads, 4 points, layers 0 and 2 |
| image decoder | Stable Diffusion 2.1's U-Net | U-Net of 32/64/64 channels |
| diffusion | 1,000 steps, guidance 3.5 | 200 steps, DDIM 25, guidance 3 |

## A world of shapes

A scene holds one to three objects: a circle, a square or a triangle, in one of six
colours and two sizes, centred on a cell of an 8×8 grid of 4-pixel cells, on a dark or
light background that may carry a faint texture. Objects never touch. Positions are
counted in cells from 0 at the top left: cell (c, r) covers pixels $4c$ to $4c + 3$
across and $4r$ to $4r + 3$ down, an object's centre sits at pixel $(4c + 2, 4r + 2)$
with c and r from 1 to 6 (so that it stays inside the image), and its box (x1,y1)(x2,y2)
names the first and last cell columns and rows its pixels touch. Whether a pixel
belongs to an object is a small geometric test, and rendering applies it to every
pixel:

@code(covers)

Each scene describes itself in a small, regular English. Positions are named by
thirds of the image:

@code(caption)
*/
let scenes = (0..<12).map { _ in Scene.random(using: &chapter.generator) }
for scene in scenes.prefix(3) { show(scene.caption) }
try scenesSheet(Array(scenes.prefix(6))).writePNG(to: chapter.figurePath("scenes"))
/*:
![Six generated scenes with their captions. Scenes are 32×32 pixels, drawn here three
times larger without smoothing.](Figures/ch03-scenes.png){width=90%}

The same scene answers questions about colour, shape, count and position (a position
as the grid cell "column row"), and names each object with a *referring expression*
and its bounding box in grid cells, written as text the way MM-Interleaved grounds
phrases in images:
*/
let first = scenes[0]
for (question, answer) in first.questionsAndAnswers().prefix(6) {
  show("Q: \(question)  A: \(answer)")
}
for (expression, _) in first.referringExpressions() { show(expression) }
/*:
A segmentation map gives every pixel a class: 0 for the background, and one class per
(shape, colour) pair. The test suite checks that captions, answers, boxes and maps all
agree with the rendered pixels, without trusting the scene's own description: it
finds the objects in the segmentation map as connected regions of one class, takes
each region's shape and colour from its class, its size from its pixel count and its
cell from its centroid, and checks that the caption contains exactly that phrase, that
every answer (counts, colours, cells) follows from the regions, and that every box
holds all of its region's pixels. The map itself is checked against the rendered
image, pixel by pixel.
*/
try segmentationSheet(Array(scenes.prefix(6)))
  .writePNG(to: chapter.figurePath("segmentation"))
show("segmentation classes:", SegmentationClass.count)
/*:
![Scenes and their segmentation maps, each class drawn in a colour of its own
(squares darker, triangles lighter).](Figures/ch03-segmentation.png){width=90%}

Finally, stories: a scene changes over three to five frames (objects move, appear,
disappear or change colour) and a sentence says what changed. A story is an
interleaved *document*, text and images in order, exactly what the MM-Interleaved
model of Chapter 8 learns to continue. The handwritten digits of Chapter 2 become
documents too.
*/
let story = Story.random(frameCount: 4, using: &chapter.generator)
show(story.document.transcript)
try storySheet(story).writePNG(to: chapter.figurePath("story"))
let digits = try Digits.load()
show(digits.labelDocument(0).transcript, "·",
     digits.countingStory(using: &chapter.generator).transcript)
/*:
![A story of four frames; its sentences are the transcript printed above, where
[image n] marks the n-th frame.](Figures/ch03-story.png){width=80%}

## Patches as tokens

A transformer reads a sequence of vectors. The Vision Transformer makes one from an
image by cutting it into square patches and mapping each patch, flattened, to a
vector by one shared linear map. A convolution whose kernel and stride both equal the
patch size computes exactly that, so the patch embedding is a `Conv2d`. A learned
position embedding is added, since attention by itself does not know where a token
came from. Step by step, on one scene:
*/
var vitRandom = chapter.generator
let toyViT = VisionTransformer(using: &vitRandom)
let toyImage = first.render().tensor.reshaped([1, 3, 32, 32])  // [B, 3, H, W]
let patches = toyViT.patchEmbedding(toyImage)  // [B, C, 8, 8]
let tokens = toyViT.tokens(toyImage)  // [B, M, C]
show("image", toyImage.shape, "→ patches", patches.shape, "→ tokens", tokens.shape)
show("ViT parameters:", toyViT.parameterCount)
/*:
Each block lets every token attend to every other (Chapter 2's self-attention, with no
mask: an image has no reading order), then transforms each token on its own by a
*feed-forward block*, two linear maps with a GELU between that widen each token
fourfold and narrow it back:

$$\mathrm{FFN}(x) = W_2\,\mathrm{GELU}(W_1 x + b_1) + b_2,\qquad
W_1 \in \mathbb{R}^{4C \times C},\ W_2 \in \mathbb{R}^{C \times 4C}.$$

@code(feed-forward)

Attention moves information between tokens; the feed-forward block, applied to each
token alone, is where most of the parameters and most of the computing are (two
thirds of a block's weights here). Normalising before each sub-layer and adding the
result back (a *pre-norm residual* block) keeps a deep stack trainable:

@code(transformer-block)

The whole encoder, its parts first:

@code(vit)

and its forward pass: patches to tokens with their positions, then the blocks:

@code(vit-forward)

## The feature pyramid

The ViT's 8×8 tokens each summarise a 4×4 patch: good for *what*, coarse for *where*.
MM-Interleaved's encoder adds a ViT-Adapter, which runs a convolutional branch beside
the ViT and fuses the two into maps at several scales; the Synchronizer later samples
these maps at fractional positions. Ours is the idea in miniature: a stem of strided
convolutions gives 16², 8² and 4² maps, the ViT's token grid is brought to each scale
and added, and a fixed 2-D sine–cosine code tells every cell where it is:

@code(sincos)

@code(pyramid)
*/
let encoder = ImageEncoder(using: &chapter.generator)
let (_, maps) = encoder(toyImage)
show("pyramid:", maps.map(\.shape))
/*:
## Pre-training: a mini-CLIP

An encoder is worth freezing only if its features already separate what matters. CLIP
learns such features from captions alone: embed a batch of images and their captions
into the same space, compare every image with every caption, and train so that each
image's own caption wins (and each caption's own image). No labels, only the pairing:

@code(clip)

The loss compares every image with every caption of the batch; the right pairs are
on the diagonal, in both directions:

@code(clip-loss)

The text side is a two-block transformer over word tokens (the world needs only a
couple of dozen words; Chapter 6 builds a real tokenizer). We train the pyramid at the
same time
with a second, dense task: predicting the segmentation map from the 16² level. It
makes the pyramid's cells know what lies under them, which is what the Synchronizer
will sample.
*/
let vocabulary = WordVocabulary()
let textLength = MiniCLIP.captionLength
let clip = MiniCLIP(vision: encoder.vit, vocabulary: vocabulary.count,
                    textLength: textLength, using: &chapter.generator)
let segmentationHead = Conv2d(64, SegmentationClass.count, kernel: 1,
                              initialization: .xavierUniform, using: &chapter.generator)
show("words:", vocabulary.count, "· caption tokens:",
     vocabulary.encode(first.caption, length: textLength).prefix(12))

/// A batch of fresh scenes: images [B, 3, 32, 32], caption tokens, segmentation maps.
func sceneBatch(
  _ count: Int, vocabulary: WordVocabulary, length: Int,
  using generator: inout SeededGenerator
) -> (images: Tensor, tokens: [Int], maps: [Int], scenes: [Scene]) {
  let scenes = (0..<count).map { _ in Scene.random(using: &generator) }
  return (Tensor.stack(scenes.map { $0.render().tensor }),
          scenes.flatMap { vocabulary.encode($0.caption, length: length) },
          scenes.flatMap { $0.segmentation() }, scenes)
}

/// Per-pixel class scores [B·32·32, classes] from the 16² map.
func segmentationLogits(_ head: Conv2d, _ map16: Tensor) -> Tensor {
  let scores = upsampleNearest(head(map16), factor: 2)  // [B, K, 32, 32]
  return scores.permuted([0, 2, 3, 1]).reshaped([-1, SegmentationClass.count])
}
/*:
The training loop: fresh scenes every step (the world is endless, so there is no
overfitting to a fixed set), AdamW with warm-up and cosine decay, clipping. Every so
often we measure *retrieval* on 128 held-out scenes: in groups of 32, does each image
pick its own caption?
*/
/// The fraction of held-out images whose own caption is the most similar of 32.
func retrievalAccuracy(
  _ clip: MiniCLIP, _ batches: [(images: Tensor, tokens: [Int])]
) -> Double {
  withoutGradient {
    var correct = 0, total = 0
    for (images, tokens) in batches {
      let similarity = matmul(clip.embedImages(images),
                              clip.embedTexts(tokens, batch: images.shape[0]),
                              transposingB: true)  // [B, B]
      correct += similarity.argmaxLastAxis().enumerated().filter { $0 == $1 }.count
      total += images.shape[0]
    }
    return Double(correct) / Double(total)
  }
}

var heldOutRandom = SeededGenerator(seed: 2024)
let heldOut = (0..<4).map { _ in
  let batch = sceneBatch(32, vocabulary: vocabulary, length: textLength,
                         using: &heldOutRandom)
  return (images: batch.images, tokens: batch.tokens)
}
let steps = chapter.size(quick: 50, full: 1200)
let parameters = clip.namedParameters + encoder.pyramid.namedParameters.map {
  ("pyramid." + $0.name, $0.tensor)
} + segmentationHead.namedParameters.map { ("segmentationHead." + $0.name, $0.tensor) }
var configuration = TrainingConfiguration(
  steps: steps, learningRate: 1e-3, warmupSteps: min(100, steps / 4),
  minimumLearningRate: 1e-4)
configuration.label = "pre-training"
let trainer = Trainer(parameters, configuration)
var history: [(step: Double, clip: Double, segmentation: Double)] = []
var retrievalHistory: [(x: Double, y: Double)] = [(0, retrievalAccuracy(clip, heldOut))]
try trainer.run { step in
  var batchRandom = SeededGenerator(seed: 3_000 + UInt64(step))  // step k's scenes
  let batch = sceneBatch(32, vocabulary: vocabulary, length: textLength,
                         using: &batchRandom)
  let (imageTokens, maps) = encoder(batch.images)  // the ViT runs once for both tasks
  let contrastive = clip.loss(tokens: imageTokens, texts: batch.tokens)
  let map16 = maps[0]  // [B, C, 16, 16]
  let segmentation = crossEntropy(segmentationLogits(segmentationHead, map16),
                                  targets: batch.maps)
  history.append((Double(step + 1), Double(contrastive.item), Double(segmentation.item)))
  return contrastive + segmentation
} afterStep: { step in
  if (step + 1) % max(steps / 10, 1) == 0 {
    retrievalHistory.append((Double(step + 1), retrievalAccuracy(clip, heldOut)))
  }
}
let trainingSeconds = trainer.seconds
for (step, accuracy) in retrievalHistory where Int(step) % max(steps / 5, 1) == 0 {
  show("step \(Int(step)): held-out retrieval \(rounded: 100 * accuracy)%")
}
showTiming("pre-training, \(steps) steps of 32 scenes", seconds: trainingSeconds)
showTiming("per step", seconds: trainingSeconds / Double(steps))

try pretrainingCharts(history: history, retrieval: retrievalHistory, steps: steps,
                      chapter: chapter)
/*:
The full run's 1,200 steps take about four and a half minutes on two cores, and its
held-out retrieval climbs from chance to over 90 %:

@fullrun(ch03-pretraining)

What your laptop shows in seconds, the quick run's 50 steps, is only the start of
that climb:

![The two losses during pre-training in the quick run (logarithmic scale). The numbers
are in `Figures/ch03-pretraining-loss.csv`.](Figures/ch03-pretraining-loss.png){width=90%}

![Held-out retrieval accuracy during the quick run's pre-training, against the chance
level of 1 in 32.](Figures/ch03-retrieval.png){width=90%}

## What the encoder knows

Retrieval among whole captions can lean on easy cues (how many objects, which
colours). A sharper test is *zero-shot* classification: show a scene with one object
and let the encoder choose between captions that differ in a single word (its colour,
its shape, or where it is). Nothing was trained for these choices; they follow from
the caption embeddings alone. The fully trained encoder:

@fullrun(ch03-knowledge)

It finds an image's own caption among 32 nine times in ten and names the colour of a
lone object every time and its shape six times in seven, none of which it was ever
labelled with. *Where* the object is it knows little: 21 % against 11 % by guessing.
The quick run below, an encoder trained for 50 steps, already names colours well
above chance (the easiest cue in a caption) and is near chance on the rest.
*/
/// Accuracy of choosing the true variant of each caption among versions of it with
/// one attribute replaced.
func zeroShotAccuracy(
  _ clip: MiniCLIP, vocabulary: WordVocabulary, length: Int, scenes: [Scene],
  variants: (SceneObject) -> [SceneObject], trueIndex: (SceneObject) -> Int
) -> Double {
  withoutGradient {
    var correct = 0
    for scene in scenes {
      let object = scene.objects[0]
      let captions = variants(object).map {
        Scene(objects: [$0], background: scene.background).caption
      }
      let image = clip.embedImages(scene.render().tensor.reshaped([1, 3, 32, 32]))
      let texts = clip.embedTexts(
        captions.flatMap { vocabulary.encode($0, length: length) }, batch: captions.count)
      let choice = matmul(image, texts, transposingB: true).argmaxLastAxis()[0]
      if choice == trueIndex(object) { correct += 1 }
    }
    return Double(correct) / Double(scenes.count)
  }
}

var probeRandom = SeededGenerator(seed: 77)
let lone = (0..<chapter.size(quick: 60, full: 300)).map { _ in
  Scene.random(objectCount: 1, using: &probeRandom)
}
let colourAccuracy = zeroShotAccuracy(
  clip, vocabulary: vocabulary, length: textLength, scenes: lone,
  variants: { o in ObjectColor.allCases.map { var v = o; v.color = $0; return v } },
  trueIndex: { $0.color.rawValue })
let shapeAccuracy = zeroShotAccuracy(
  clip, vocabulary: vocabulary, length: textLength, scenes: lone,
  variants: { o in ShapeKind.allCases.map { var v = o; v.shape = $0; return v } },
  trueIndex: { $0.shape.rawValue })
// Position: the same object moved to the centre cell of each of the nine regions.
let regionCells = [2, 4, 5].flatMap { row in [2, 4, 5].map { (column: $0, row: row) } }
func regionIndex(_ o: SceneObject) -> Int {
  (o.row <= 2 ? 0 : o.row <= 4 ? 1 : 2) * 3 + (o.column <= 2 ? 0 : o.column <= 4 ? 1 : 2)
}
let positionAccuracy = zeroShotAccuracy(
  clip, vocabulary: vocabulary, length: textLength, scenes: lone,
  variants: { o in regionCells.map { var v = o; (v.column, v.row) = $0; return v } },
  trueIndex: regionIndex)
let finalRetrieval = retrievalHistory.last!.y

func percent(_ x: Double) -> String { "\(rounded: 100 * x)%" }
let knowledgeHeader = ["test on held-out scenes", "accuracy", "chance"]
let knowledgeRows = [
  ["own caption among 32", percent(finalRetrieval), "3.1%"],
  ["colour of a lone object, 6 choices", percent(colourAccuracy), "16.7%"],
  ["shape of a lone object, 3 choices", percent(shapeAccuracy), "33.3%"],
  ["region of a lone object, 9 choices", percent(positionAccuracy), "11.1%"],
]
showTable(knowledgeHeader, knowledgeRows)
try chapter.recordFullRun("knowledge", markdownTable(knowledgeHeader, knowledgeRows))
let target = chapter.size(quick: 0.05, full: 0.8)
show("retrieval", finalRetrieval >= target ? "reaches" : "misses",
     "the expected \(Int(100 * target))% for the",
     chapter.options.full ? "full run" : "quick run")
/*:
Position is the weakest in both runs, and it is not for lack of training: the
encoder's image embedding averages the 64 tokens into one vector, which keeps *what*
is in the image and blurs *where*. That is the very loss that motivates the
Synchronizer of Chapter 5. The pyramid's cells do know where things are: the
segmentation head, trained on the 16² level, predicts for every pixel what lies
beneath it. In the full run:

@fullrun(ch03-segmentation)

(Most pixels are background, hence the high share over all pixels; the object pixels
are the harder number.) The quick run's predictions on the same held-out scenes:
*/
var segmentationRandom = SeededGenerator(seed: 31)
let segmentationBatch = sceneBatch(6, vocabulary: vocabulary, length: textLength,
                                   using: &segmentationRandom)
let predictedClasses = withoutGradient {
  let map16 = encoder(segmentationBatch.images).maps[0]
  return segmentationLogits(segmentationHead, map16).argmaxLastAxis()
}
let objectPixels = segmentationBatch.maps.indices.filter {
  segmentationBatch.maps[$0] != 0
}
let pixelAccuracy = Double(zip(predictedClasses, segmentationBatch.maps)
  .filter { $0 == $1 }.count) / Double(predictedClasses.count)
let objectAccuracy = Double(objectPixels.filter {
  predictedClasses[$0] == segmentationBatch.maps[$0]
}.count) / Double(objectPixels.count)
let segmentationLine = "segmentation on 6 held-out scenes: all pixels "
  + "\(rounded: 100 * pixelAccuracy)%, object pixels \(rounded: 100 * objectAccuracy)% "
  + "(class = shape and colour)"
show(segmentationLine)
try saveSegmentationFigures(segmentationBatch.scenes, predicted: predictedClasses,
                            summary: segmentationLine, chapter: chapter)
/*:
![Held-out scenes, their true segmentation maps and the maps predicted from the
pyramid's 16² level.](Figures/ch03-segmentation-predictions.png){width=90%}

## Where the ViT looks

Attention maps show, for one token, how much it draws from every other. Below, for
four held-out scenes, the last layer's attention (averaged over heads) of the patch at
the centre of one object (outlined in white), drawn over the image and stretched from
its weakest (dark) to its strongest (bright yellow) patch.
*/
var attentionRandom = SeededGenerator(seed: 5)
try attentionSheet(encoder.vit, scenes: (0..<4).map { _ in
  Scene.random(objectCount: 2, using: &attentionRandom)
}).writePNG(to: chapter.figurePath("attention"))
/*:
![Four held-out scenes and, beside each, the last layer's attention from the outlined
patch (brighter: more attention).](Figures/ch03-attention.png){width=95%}

And the pyramid itself: for one scene, the strength of each map's response (the
length of each cell's feature vector, after removing the position code), from fine
to coarse.
*/
try pyramidSheet(encoder, scene: segmentationBatch.scenes[0])
  .writePNG(to: chapter.figurePath("pyramid"))
/*:
![A scene and the response strength of the trained pyramid's three maps (each
stretched to the image's size).](Figures/ch03-pyramid.png){width=80%}

## Saving the encoder

Later chapters freeze this encoder, the pyramid included. That last part is our
choice, not upstream's: MM-Interleaved freezes CLIP's ViT but trains its ViT-Adapter
(the pyramid) with the rest of the model. A frozen pyramid keeps Chapters 4 and 5's
experiments about the resampler and the Synchronizer alone, and costs our tiny model
little, since its pyramid was trained here, on this world, for segmentation. We save
the ViT and the pyramid together; the file reloads to identical features (the test
suite checks this on a fresh model).
*/
let encoderPath = ImageEncoder.savedByChapter3.savingPath(full: chapter.options.full)
try encoder.save(to: encoderPath, metadata: ["model": "ImageEncoder", "chapter": "3",
                                              "steps": String(steps)])
let reloaded = ImageEncoder(using: &chapter.generator)
try reloaded.load(from: encoderPath)
let sameFeatures = withoutGradient {
  let images = segmentationBatch.images
  return encoder(images).maps[1].data == reloaded(images).maps[1].data
}
show("saved the encoder (\(encoder.parameterCount) parameters);",
     "reloaded features identical:", sameFeatures ? "OK" : "NOT OK")
/*:
The segmentation head is saved too, in a file of its own: it is no part of the encoder
later chapters build on, but Chapter 9 uses it as a reader, to say what the images its
model draws show.
*/
try segmentationHead.save(
  to: ImageEncoder.segmentationHeadSavedByChapter3.savingPath(full: chapter.options.full),
  metadata: ["model": "segmentation head", "chapter": "3", "steps": String(steps)])
/*:
So is the mini-CLIP, text tower and all: Chapter 10 asks it whether an image the
model drew agrees with the words it was drawn from.
*/
try clip.save(to: MiniCLIP.savedByChapter3.savingPath(full: chapter.options.full),
              metadata: ["model": "MiniCLIP", "chapter": "3", "steps": String(steps)])
/*:
## Summary

- The synthetic world generates scenes with captions, questions, referring boxes,
  segmentation maps and stories, all checked against the pixels; documents interleave
  text and images.
- A ViT turns 4×4 patches into tokens with one shared linear map (a strided
  convolution) plus a position embedding, and refines them with pre-norm transformer
  blocks.
- The feature pyramid adds convolutional detail to the ViT's coarse grid at three
  scales, with fixed 2-D sine–cosine positions: the maps the Synchronizer will sample.
- Contrastive pre-training aligns image and caption embeddings without labels; a
  dense segmentation task trains the pyramid.
- The fully trained encoder picks out an image's own caption among 32 (95 %) and
  names the colour (100 %) and shape (87 %) of objects it was never labelled with;
  where an object is, its pooled embedding knows little (21 %, chance 11 %), while the
  pyramid's cells do. It is saved for the chapters to come.

## Questions

1. Why does a strided convolution with kernel = stride = patch size compute a patch
   embedding?
2. How many tokens does a 32×32 image give with 4×4 patches, and how many with 2×2?
3. Why does a ViT need a position embedding at all?
4. In a pre-norm block, what does the residual stream carry, and why is it not
   normalised?
5. What does each of the four lines of the sine–cosine code encode?
6. Why does the pyramid need a convolutional stem, when the ViT already sees the
   whole image?
7. What are the targets of the contrastive loss, and why is it applied in both
   directions?
8. What does the learned temperature (logit scale) control?
9. Why can retrieval among whole captions overstate what an encoder knows?
10. How does zero-shot classification work without a classifier?
11. Why is a synthetic world with exact answers useful for testing a model?
12. How are the captions and answers checked "against the pixels"?
13. What changes between frames of a story, and how is each change put in words?
14. Why is the encoder saved, and what will later chapters do with it?

## Exercises

Stubs are in `Chapters/Chapter03/Exercises.swift`; check an answer with
`swift run -c release Chapter03 --check-exercise N`. Solutions are in
`Exercises/Solutions/Chapter03.swift`.

1. **Patches by hand** (warm-up). Cut a batch of images [B, C, H, W] into p×p patches
   with `reshaped` and `permuted`, giving the [B, N, C·p·p] matrix a patch embedding
   multiplies: patches in reading order (left to right, then top to bottom), and within
   a patch the values channel first, then row, then column, the order of a `Conv2d`
   kernel [O, C, p, p], so that the result times the flattened kernel is the
   convolution.
2. **The contrastive loss** (implement). From a [B, B] similarity matrix and a scale,
   compute the symmetric cross-entropy CLIP trains with: the mean of the cross-entropy
   over rows and over columns, the diagonal being the targets.
3. **A new question** (extend). Teach the world to ask "how many objects are there?"
   (answered with a word, "one", "two", …); the checker counts the objects in the pixels
   of 200 scenes.

**Project: what teaches *where*?** The encoder knows little of an object's region
(21 % against 11 % by chance). Train it once without the segmentation loss and once
with its weight doubled, and measure the region column and the segmentation line.
What to expect: the zero-shot region test reads the pooled embedding, which the
segmentation head never trains directly, so expect little change there and a large one
in the object pixels; if the region column does move, the pyramid's detail is leaking
into the pooled vector through the shared ViT.
*/
