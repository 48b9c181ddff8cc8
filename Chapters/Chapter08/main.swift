/*:
# MM-Interleaved: the whole model

Chapters 3 to 7 built the parts: an image encoder with multi-scale feature maps, a
resampler that turns an image into K tokens, the Multi-Modal Feature Synchronizer, a
LLaMA-style decoder and a diffusion U-Net. This chapter joins them into the model the
paper describes. One sequence carries text and images; the decoder reads it, and
through MMFS it looks back at the earlier images' feature maps wherever the K tokens
lost a detail; an image decoder draws each image from the decoder's states and, again
through MMFS, from the image before it. One loss trains it all:

$$L = L_{\text{text}} + \lambda\, L_{\text{image}}.$$

The whole forward pass and its loss read top to bottom in one file,
`Sources/Interleaved/MMInterleaved.swift`, the book's `model.py` (as nanoGPT's is):
everything in it is imported from the earlier chapters, nothing is built again.

**What to expect.** The quick run (`swift run -c release Chapter08`) takes about
fifteen seconds and needs the tokenizer Chapter 6 saves (run Chapter 6 first). It
packs documents into one sequence and draws who sees what, traces one training step
with every shape, counts the parameters beside the paper's, and over-fits two
documents for forty steps to show that every part learns. `--full` over-fits for 400
steps (about two minutes). Chapter 9 trains the model for real.
*/
import Autograd
import Datasets
import Interleaved
import Language
import Layers
import Notebook
import Platform

var chapter = Chapter.begin(number: 8, title: "MM-Interleaved, the whole model",
                            exercises: checkChapter08Exercise)
/*:
## One sequence for text and images

The decoder reads one sequence of tokens, so an interleaved document becomes one:
`<s>`, the text, and for every image `<img>` followed by K `<image>` slots, then
`</s>`. (The paper calls `<img>` `<soi>`, "start of image"; in this book `<image>`
always means one of the K slots.) The slots are where the resampler's K visual tokens
go; the decoder never has to predict them.

@code(sequence-document)

Training packs several documents one after another into a sequence of fixed length,
as upstream packs 2,048 tokens, and pads the rest:

@code(pack)

The packed sequence remembers where each document and each image begins; the masks
and the losses below are computed from that alone.

@code(packed-sequence)

Positions run across the documents and self-attention stays causal over the whole
sequence, as upstream trains: a token may attend to the previous document's tokens.
What keeps documents apart is the image mask and the loss.

We use the tokenizer Chapter 6 trained, and pack two documents: a short story of two
frames, and a caption document in which the image comes first. Two slots per image
keep the picture small; MMI-Tiny uses K = 8.
*/
let tokenizer = chapter6Tokenizer(full: chapter.options.full)
let special = SpecialTokens(tokenizer)

/// A document of the world as the decoder reads it: each text through the tokenizer,
/// each image as K slots; `isCaption` for data whose text describes its image.
func sequenceDocument(
  _ document: Document, _ tokenizer: BPETokenizer, isCaption: Bool = false
) -> SequenceDocument {
  SequenceDocument(
    document.parts.map { part in
      if case .text(let text) = part { return .text(tokenizer.encode(text)) }
      return .image
    }, trainsTextBeforeFirstImage: !isCaption)
}

let layoutExample = try PackedSequence.pack(
  [
    SequenceDocument([.text(tokenizer.encode("a red circle")), .image,
                      .text(tokenizer.encode("it moves right")), .image]),
    SequenceDocument([.image, .text(tokenizer.encode("caption: a blue square"))],
                     trainsTextBeforeFirstImage: false),
  ], slotsPerImage: 2, length: 30, special: special)
let layoutPieces = layoutExample.tokens.map { tokenizer.piece($0) }
for line in tokenLines(layoutPieces) { show(line) }
show("documents start at", layoutExample.documentStarts, "· images begin at",
     layoutExample.beginImages, "· their slots start at", layoutExample.imageStarts)
/*:
## Who sees which image

MMFS lets a token read the feature maps of images, but not of every image: a token
sees image $j$ when $j$ belongs to its own document and $j$'s first slot is at or
before it. So an image's own slots already see it (they are the image), its `<img>`
does not (the model decides to start an image before seeing one), and a document never
sees another document's images.

@code(sequence-visibility)

## What the text loss learns

The text loss is next-token cross-entropy, averaged over the positions whose next
token is worth predicting. Not padding; not an `<image>` slot (its content is read,
not written: but the slot *before* the first text token after an image does predict
that token); not `<s>` (a new document cannot be foreseen), nor an `<img>` right after
`<s>`; and in caption data, nothing before the document's first image, so that a
caption is learned as a description of its image rather than as a guess. With
$\mathcal{S}$ the positions that remain,

$$L_{\text{text}} = -\frac{1}{|\mathcal{S}|} \sum_{t \in \mathcal{S}}
\log p_\theta(x_{t+1} \mid x_{\le t}).$$

@code(text-targets)

## What an image is drawn from

The image decoder draws image $j$ from the decoder's states over its document, from
`<s>` through its `<img>`. They are reversed, so that the nearest context comes first
and its position code is always 0: a long document then pushes its oldest text, not
its newest, to the far end. An image with nothing before it but `<s>` and its `<img>`
has nothing to be drawn from, and upstream gives it no image loss:

@code(condition-span)

All three rules on the example, position by position:
*/
try sequenceFigure(layoutExample, pieces: layoutPieces)
  .writePNG(to: chapter.figurePath("sequence"))
let layoutTargets = layoutExample.textTargets().filter { $0 >= 0 }.count
show("text targets:", layoutTargets, "of", layoutExample.length, "positions")
for image in 0..<layoutExample.imageCount {
  show("image \(image + 1): condition span",
       layoutExample.conditionSpan(ofImage: image),
       layoutExample.isConditioned(image: image) ? "· trains the image decoder"
         : "· no image loss")
}
/*:
![The packed example, one row per position (two slots per image). Blue: the images a
position sees through MMFS. Orange: the next token the text loss asks for at that
position (a dash: no loss). Numbered: each image's condition span, nearest first, in
green; grey where the image has no context and so no image
loss.](Figures/ch08-sequence.png){width=62%}

Image 3 opens the caption document: it sees nothing before it, is conditioned on
nothing, and its caption's first word is the first target of its document.

## The model in one file

The configuration holds MMI-Tiny's sizes, with the release model's beside each:

@code(interleaved-configuration)

The model owns the parts of the earlier chapters and three small new ones: the
projection of the visual tokens into the decoder's width, initialised at a standard
deviation of $10^{-3}$ as upstream does so that images start as a whisper in a
pre-trained decoder; a learned vector added at every `<img>` (zero at the start); and
the condition path of the image decoder.

@code(interleaved-model)
*/
let configuration = InterleavedConfiguration(vocabularySize: tokenizer.vocabularySize)
let paper = InterleavedConfiguration.paper
func sizes(_ c: InterleavedConfiguration) -> [String] {
  [
    "\(c.vision.imageSize)², patch \(c.vision.patchSize), \(c.vision.width) × "
      + "\(c.vision.layers)",
    "\(c.visualTokens) per image, \(c.visualResamplerLayers) layers",
    "\(c.language.width) × \(c.language.layers), \(c.language.heads) heads",
    "layers " + c.synchronizedLayers.map(String.init).joined(separator: ","),
    "\(c.decoderSynchronizer.heads) heads, \(c.decoderSynchronizer.levels) levels, "
      + "\(c.decoderSynchronizer.points) points",
    "\(c.conditionTokens) tokens, \(c.conditionLayers) layer",
    c.unet.channels.map(String.init).joined(separator: "/")
      + " channels, \(c.unet.imageChannels) in",
    "T = \(c.diffusionSteps), λ = \(formatted(c.imageLossWeight))",
  ]
}
let partNames = ["vision transformer", "visual tokens", "decoder", "MMFS in",
                 "MMFS sizes", "image condition", "U-Net", "diffusion, loss"]
showTable(["part", "MMI-Tiny", "paper (release code)"],
          zip(partNames, zip(sizes(configuration), sizes(paper)))
            .map { [$0, $1.0, $1.1] })
/*:
(Upstream's numbers where its parts have the same design as ours; where they differ,
the table gives what our design would need at the paper's widths, and the text says
how upstream differs. The paper's "1 layer" condition resampler is a Q-Former of 77
queries; its U-Net works on Stable Diffusion's 4-channel latents.)

## MMFS inside the decoder

In decoder layers 0 and 2 (upstream: every fourth of 40), between self-attention and
the feed-forward block, each state reads the images it may see:

$$h \leftarrow h + \tanh(\alpha)\, \mathrm{MMFS}\bigl(\mathrm{RMSNorm}(h),\
\mathrm{RMSNorm}(F)\bigr), \qquad \alpha = 0 \text{ at the start}.$$

The query and the maps $F$ each pass an RMSNorm of their own, so MMFS reads the same
scale whatever the decoder's states and the encoder's maps have grown to; every
token's reference point is the image centre, and the offsets do all the finding.
With $\alpha = 0$ the layer passes $h$ unchanged, so a pre-trained decoder starts
exactly where it was (a test checks its states bit for bit).

@code(decoder-synchronizer)
@code(decoder-synchronizer-forward)

The model's decoder pass puts the visual tokens in their slots, pads every
sequence's images to the most any sequence of the batch holds, and hands the
Synchronizer of a layer its mask rows. With a key–value cache the same call takes only
the new positions, and each new token reads with its own row of the mask, exactly as
in one pass over the whole sequence (a test checks this with images in view):

@code(interleaved-decoder)

Visual tokens replace the slots' embeddings by a gather from one table holding the
token embeddings and the visual tokens, so gradients flow back to both:

@code(interleaved-embed)
@code(interleaved-decoder-maps)

## The image decoder: a condition and the previous image

The condition replaces Stable Diffusion's text encoder. Each conditioned image's
reversed span of decoder states is projected, given 1-D sine–cosine positions, and
resampled to S = 8 tokens by a one-layer Perceiver Resampler, which hides the padding
of shorter spans with a mask:

@code(interleaved-condition)

The U-Net also reads, through MMFS, the feature maps of the previous image of the same
document, and only that one. At every hook site of Chapter 7 (each skip connection and
the middle block) a block of its own turns the U-Net's pixels into queries:

@code(unet-synchronizer)

Each pixel's query is its normalised feature plus a 2-D sine–cosine code of where it
is, its reference point is its own centre, and offsets count in pixels of the map at
that site; the result enters through a 1×1 convolution that starts at zero, so the
U-Net of Chapter 7 is exactly unchanged at the start:

@code(unet-synchronizer-forward)
@code(interleaved-previous)

Classifier-free guidance runs the U-Net on a doubled batch, with and without the
condition; both halves read the same previous image (only the condition tokens
differ):

@code(interleaved-unet-hook)

## The joint loss

For the images $\mathcal{C}$ of a batch of $I$ images that have context, the image loss
is the diffusion loss of Chapter 7, with the condition $c_i$ and the previous image's
maps $F_{i-1}$:

$$L_{\text{image}} = \frac{1}{I} \sum_{i \in \mathcal{C}}
\bigl\lVert \varepsilon - \varepsilon_\theta(x_t^{(i)}, t, c_i, F_{i-1})
\bigr\rVert^2,$$

averaged over all the batch's images, the images without context counting zero, as
upstream does. The condition is replaced by a learned null condition 10 % of the time
(MMFS never is); $\lambda = 2$ (upstream 10; a flag, which Chapter 9 tunes).

@code(interleaved-loss)

The encoder runs without gradients: in this book it is Chapter 3's encoder, frozen as
upstream freezes CLIP (this chapter builds it fresh, and its random features serve the
over-fitting below as well; Chapter 9 loads the trained one). Its maps are computed
once and read by both Synchronizers.

@code(interleaved-encode)
@code(interleaved-text-loss)
@code(interleaved-image-loss)

## One training step, traced

Now MMI-Tiny itself, on two documents from the world: a story of two frames and a
captioned scene, packed into 128 tokens (MMI-Tiny's sequence length) with eight slots
per image.
*/
var modelRandom = SeededGenerator(seed: 801)
let model = MMInterleaved(configuration, using: &modelRandom)
var worldRandom = SeededGenerator(seed: 802)
let story = Story.random(frameCount: 2, using: &worldRandom)
let captioned = Scene.random(using: &worldRandom)
let worldDocuments = [
  story.document, Document([.image(captioned.render()), .text("caption: "
                                                               + captioned.caption)]),
]
let sequence = try PackedSequence.pack(
  [
    sequenceDocument(worldDocuments[0], tokenizer),
    sequenceDocument(worldDocuments[1], tokenizer, isCaption: true),
  ],
  slotsPerImage: configuration.visualTokens, length: 128, special: special)
let batch = InterleavedBatch(
  sequences: [sequence],
  images: Tensor.stack(worldDocuments.flatMap(\.images).map(\.tensor)))
for document in worldDocuments { show(document.transcript) }
show("packed:", sequence.length, "tokens,", sequence.imageCount, "images,",
     sequence.tokens.filter { $0 == special.padding }.count, "of padding")
/*:
Step by step, with the shape of every tensor (B = 1 sequence, T = 128 positions,
I = 3 images, K = 8):
*/
var stepRandom = SeededGenerator(seed: 803)
let encoded = model.encode(batch.images)
show("images", batch.images.shape, "→ visual tokens", encoded.tokens.shape,
     "and maps", encoded.maps.map(\.shape))
let embedded = model.embed(batch.sequences, images: encoded,
                           positions: 0..<sequence.length)
show("embeddings with the visual tokens in their slots:", embedded.shape)
let decoderInputs = model.decoderMaps(batch.sequences, images: encoded,
                                      positions: 0..<sequence.length)
show("the decoder's MMFS reads", decoderInputs.maps.map(\.shape), "through a mask of",
     decoderInputs.visible.filter { $0 }.count, "of", decoderInputs.visible.count,
     "[B, T, N] flags")
let states = model.decoderStates(batch.sequences, images: encoded)
show("decoder states:", states.shape)
let textTargets = sequence.textTargets().filter { $0 >= 0 }.count
show("text loss over", textTargets, "of", sequence.length, "positions:",
     formatted(model.textLoss(states, batch.sequences).item, significantDigits: 4),
     "(ln V =", formatted(logf(Float(tokenizer.vocabularySize)), significantDigits: 4)
       + ")")
let picked = conditionedImages(batch.sequences)
show("images with context:", picked.map { $0.index + 1 }, "of",
     batch.images.shape[0])
let conditions = model.conditions(states, batch.sequences, picked)
show("their spans", picked.map { sequence.conditionSpan(ofImage: $0.image).count },
     "states → conditions", conditions.shape)
let previous = model.previousImageMaps(batch.sequences, encoded, picked)
show("the U-Net's MMFS reads", previous.maps.map(\.shape), "· has a previous image:",
     previous.hasPrevious)
let stepLoss = model.loss(batch, using: &stepRandom)
show("L = L_text + λ·L_image =", formatted(stepLoss.text.item, significantDigits: 4),
     "+ 2 ×", formatted(stepLoss.image.item, significantDigits: 4), "=",
     formatted(stepLoss.total.item, significantDigits: 4))
stepLoss.total.backward()
/*:
The first text loss is near $\ln V$, a uniform guess. The image loss counts the two
images of the story (the first has its caption before it; the second also reads the
first through MMFS) and averages over all three: the caption document's image opens
its document, so the U-Net does not see it at all.

What does the backward pass reach? Each part's gradient norm:
*/
func gradientNorm(_ prefixes: [String], of model: MMInterleaved) -> String {
  let squares = model.namedParameters
    .filter { name, _ in prefixes.contains { name.hasPrefix($0) } }
    .compactMap { $0.tensor.gradValues }.joined().map { Double($0) * Double($0) }
  return squares.isEmpty ? "none (frozen)"
    : formatted(squares.reduce(0, +).squareRoot(), significantDigits: 3)
}
let gradientParts: [(String, [String])] = [
  ("image encoder", ["encoder."]),
  ("visual resampler and projection", ["visualResampler.", "visualProjection."]),
  ("begin-image vector", ["beginImageVector"]),
  ("language model", ["language."]),
  ("MMFS gates in the decoder", (0..<2).map { "decoderSynchronizers.\($0).gate" }),
  ("MMFS in the decoder, all else",
   (0..<2).flatMap { ["decoderSynchronizers.\($0).synchronizer",
                      "decoderSynchronizers.\($0).queryNorm",
                      "decoderSynchronizers.\($0).mapNorm"] }),
  ("condition path", ["conditionProjection.", "conditionResampler.", "nullCondition"]),
  ("U-Net", ["unet."]),
  ("MMFS zero convolutions in the U-Net",
   (0..<4).map { "unetSynchronizers.\($0).output" }),
  ("MMFS in the U-Net, all else",
   (0..<4).flatMap { ["unetSynchronizers.\($0).synchronizer",
                      "unetSynchronizers.\($0).queryNorm",
                      "unetSynchronizers.\($0).mapNorm"] }),
]
showTable(["part", "gradient norm"],
          gradientParts.map { [$0.0, gradientNorm($0.1, of: model)] })
model.zeroGrad()
/*:
At the start the closed gates let nothing through, in either direction: inside the
decoder's Synchronizers everything is multiplied by tanh(α) = 0, so only α itself
learns, and in the U-Net only the zero convolutions do (their weights multiply MMFS's
output, which is not zero). Once a gate opens, the rest of its MMFS receives a
gradient. That is the price of starting a pre-trained model exactly where it was.

## How big, and where the work is

The parameters per part, counted in the built model, and the forward pass's work per
part for one training sequence: MMI-Tiny's 128 tokens with two images, the paper's
2,048 tokens with fifteen (upstream's limit for its interleaved data), each image drawn
from a context of half the sequence. The paper's column is computed from its
configuration values alone, by the same formulas that tests check against the built
model and against the engine's own count of its matrix multiplies:
*/
let counted = model.countedParameters
let paperCounts = paper.parameterCounts
let work = configuration.forwardFLOPs(tokens: 128, images: 2, context: 64)
let paperWork = paper.forwardFLOPs(tokens: 2048, images: 15, context: 1024)
func sizeRows(_ ours: [Int], _ theirs: [Int], giga: String = "G") -> [[String]] {
  let (oursTotal, theirsTotal) = (ours.reduce(0, +), theirs.reduce(0, +))
  return counted.indices.map { i in
    [counted[i].part, amount(ours[i]), percentage(ours[i], of: oursTotal),
     amount(theirs[i], giga: giga), percentage(theirs[i], of: theirsTotal)]
  } + [["total", amount(oursTotal), "", amount(theirsTotal, giga: giga), ""]]
}
let sizeHeader = ["part", "MMI-Tiny", "share", "paper", "share"]
show("Parameters:")
showTable(sizeHeader, sizeRows(counted.map(\.count), paperCounts.map(\.count), giga: "B"))
show("Forward FLOPs of one training sequence:")
showTable(sizeHeader, sizeRows(work.map(\.flops), paperWork.map(\.flops)))
/*:
The paper's model is a language model with parts attached: Vicuna-13B holds nine
tenths of the weights and does seven tenths of the work, and its ten MMFS blocks add a
few per cent of the weights and a tenth of the work. MMI-Tiny is not a scaled copy.
With a vocabulary of under 500 tokens its decoder is no bigger than its U-Net (a third
of the model each), and the work is the other way round from the paper's: the U-Net,
running every pixel of every image through convolutions, does more than half of it,
the decoder a fifth. Its two decoder Synchronizers
are about the share of the paper's ten. (Our counts for the paper use our design at
its widths where upstream's differs: its U-Net, Stable Diffusion 2.1's, has 865 M
parameters in two residual blocks and a transformer per level; its resamplers are
Q-Formers. The work counts matrix multiplies only, which is most of it; MMFS's
bilinear sampling is not among them.)

## Does it learn? Over-fitting two documents

A model whose every part receives the right gradient (a test checks them against
finite differences) should be able to memorise two documents: the text loss should go
to nearly zero and the image loss well below its start. The two documents of the trace
again, AdamW at $10^{-3}$, the losses measured before and after on the same draws of
timesteps and noise so that they compare:
*/
let overfitSteps = chapter.size(quick: 40, full: 400)
var overfitConfiguration = configuration
overfitConfiguration.conditionDropProbability = 0  // memorise, not generalise
var overfitRandom = SeededGenerator(seed: 804)
let learner = MMInterleaved(overfitConfiguration, using: &overfitRandom)
func measuredLosses(
  _ learner: MMInterleaved, _ batch: InterleavedBatch
) -> (text: Float, image: Float) {
  var draws = SeededGenerator(seed: 805)
  let losses = (0..<4).map { _ in withoutGradient { learner.loss(batch, using: &draws) } }
  return (losses[0].text.item, losses.map(\.image.item).reduce(0, +) / 4)
}
let before = measuredLosses(learner, batch)
let run = overfit(learner, on: batch, steps: overfitSteps, rate: 1e-3,
                  every: chapter.size(quick: 10, full: 100), using: &overfitRandom)
let after = measuredLosses(learner, batch)
showTiming("\(overfitSteps) steps", seconds: run.seconds)
func threeDigits(_ value: Float) -> String { formatted(value, significantDigits: 3) }
let overfitSummary = "text loss \(threeDigits(before.text)) → \(threeDigits(after.text))"
  + " · image loss \(threeDigits(before.image)) → \(threeDigits(after.image))"
show(overfitSummary)
try overfitChart(text: run.text, image: run.image)
  .save(to: chapter.figurePath("overfit"))
try chapter.recordFullRun("overfit", """
  Over-fitting the two documents for \(overfitSteps) steps \
  (\(formattedDuration(run.seconds)) on this machine): \(overfitSummary), each measured \
  on the same four draws of timesteps and noise.
  """)
/*:
![The two losses while over-fitting, each step on its own draw of timesteps and
noise.](Figures/ch08-overfit.png)

@fullrun(ch08-overfit)

The text falls first and far: two documents of a few dozen tokens are quickly
memorised. The image loss falls more slowly. It is averaged over all three images and
the caption document's image counts zero, so it is two thirds of the two story images'
mean; and a diffusion loss cannot reach zero: at the noisiest steps the image is
hidden, and the noise can be predicted only as well as the image is known.

## Summary

- An interleaved document becomes one sequence, `<s>` text `<img>` K×`<image>` …
  `</s>`; documents are packed, with positions running across them.
- Three rules computed from the packing decide what the model may use: which images a
  token sees through MMFS (its document's, from their first slot), which next tokens
  the text loss asks for, and which decoder states condition each image (its
  document's, reversed, nearest first).
- The decoder carries MMFS in layers 0 and 2 behind a tanh gate that starts closed;
  the U-Net carries it at every hook site behind a zero convolution, reading only the
  previous image of the document. At the start both are exactly the models they were.
- The image decoder's condition is the reversed context, projected, positioned and
  resampled to 8 tokens; the null condition replaces it 10 % of the time.
- $L = L_{\text{text}} + \lambda L_{\text{image}}$, the image loss averaged over all
  images with those without context counting zero.
- MMI-Tiny has 2.6 M parameters, and its U-Net does most of the work of a training
  step; in the paper, the 13 B decoder does.
- Every part gets a gradient (checked), and the model over-fits two documents.
  Chapter 9 trains it.

## Questions

1. Why is an image's `<img>` not allowed to see that image, when its slots are?
2. Self-attention runs across document boundaries in a packed sequence, but MMFS does
   not. What could go wrong if MMFS did?
3. Why is the slot before the first text token after an image a loss target, while
   the slots before it are not?
4. Why ignore caption text that comes before its image in caption data, but not in
   interleaved documents?
5. Why reverse the condition span?
6. Why does an image whose document begins with it get no image loss?
7. What does the N(0, 10⁻³) initialisation of the visual projection protect, and what
   would a standard initialisation do to a pre-trained decoder?
8. With the gates closed, which parameters of a decoder Synchronizer receive a
   gradient on the first step, and why?
9. Why do both halves of a guided batch get the same MMFS features?
10. Why average the image loss over all the batch's images rather than over those that
    have context?

## Exercises

Stubs are in `Chapters/Chapter08/Exercises.swift`; check an answer with
`swift run -c release Chapter08 --check-exercise N`. Solutions are in
`Exercises/Solutions/Chapter08.swift`.

1. **Lay out a document** (warm-up). Turn a document's items into its tokens: `<s>`,
   the text, `<img>` and K slots per image, `</s>`.
2. **The loss targets** (implement). From a packed sequence's tokens alone (documents
   start at `<s>`), and which documents are caption data, compute every position's
   target, −1 where the text loss must not look.
3. **The condition span** (implement). From a packed sequence's tokens, give the
   positions that condition image $j$, nearest first.
4. **Count the decoder** (extend). From a `LanguageModelConfiguration`, count its
   parameters without building it; the checker builds models of several sizes.

**Project: pack tighter.** MMI-Tiny's sequences hold 128 tokens; the world's documents
vary in length, and packing them in order leaves padding at the end of every sequence.
Measure the share of padding for a day's worth of the world's documents packed in
order, then write a packer that fills each sequence first-fit from a window of
documents, and measure again. What to expect: in-order packing wastes a share that
grows with the documents' length relative to the sequence; first-fit from a window of
a few dozen documents brings it to a few per cent, so more documents train per step
at the same cost.
*/
