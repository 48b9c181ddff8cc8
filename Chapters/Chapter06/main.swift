/*:
# A Vicuna-style language model

MM-Interleaved's language model is Vicuna-13B [@chiang2023vicuna]: LLaMA's architecture,
fine-tuned on conversations. Everything it reads, text and visual tokens alike, passes
through it, and MMFS plugs into its blocks. Before Chapter 8 wires it to images, this
chapter builds a small one and trains it alone: a byte-level BPE tokenizer, the LLaMA
block (RMSNorm [@zhang2019rmsnorm], rotary position embedding [@su2021roformer], causal
attention, SwiGLU), a cache of keys and values for generation, the usual ways of
sampling, and instruction tuning in Vicuna's conversation template.

**What to expect.** The quick run (`swift run -c release Chapter06`) takes about twenty
seconds: it trains the tokenizer, trains the model for a moment (so its text is still
mostly babble), and tunes it on questions briefly. `--full` trains for about five
minutes on two cores and records its results for the book: it should reach a held-out
perplexity below 2 (token frequencies alone give about 38) and answer well over half
of the questions about unseen scenes exactly, about twice what always giving the most
frequent answer scores. Peak memory stays under 200 MB.
*/
import Autograd
import Datasets
import Language
import Layers
import Notebook
import Platform

var chapter = Chapter.begin(number: 6, title: "A Vicuna-style language model",
                            exercises: checkChapter06Exercise)
/*:
## The world in words

Our world speaks a small, regular English. For a language model alone, without
images, a scene must be given in words; the *inventory* lists every object with its
exact cell (column, row), the caption says roughly where things are, and a question
with its answer follows. A quarter of the documents are stories instead:
*/
/// One document of the world's text: a scene's inventory, caption and one question
/// with its answer, or (one time in four) a story.
func worldDocument(using generator: inout SeededGenerator) -> String {
  if generator.nextUniform() < 0.25 {
    return Story.random(using: &generator).sentences.joined(separator: ". ") + "."
  }
  let scene = Scene.random(using: &generator)
  let pairs = scene.questionsAndAnswers()
  let (question, answer) = pairs[generator.nextInt(below: pairs.count)]
  return "\(scene.inventory). caption: \(scene.caption). "
    + "question: \(question) answer: \(answer)."
}

var textRandom = SeededGenerator(seed: 600), heldOutRandom = SeededGenerator(seed: 601)
let documents = (0..<chapter.size(quick: 1500, full: 12_000)).map { _ in
  worldDocument(using: &textRandom)
}
let heldOutDocuments = (0..<300).map { _ in worldDocument(using: &heldOutRandom) }
for document in documents.prefix(2) { show(document) }
/*:
## Byte-pair encoding

A tokenizer turns text into the integers a model reads. Characters would make long
sequences; whole words would need a vocabulary of every word ever written. Byte-pair
encoding [@sennrich2016bpe], after Gage's compression scheme [@gage1994bpe], starts from
bytes and repeatedly merges the most frequent adjacent pair into a new token, so
frequent words become one token and rare ones fall back to pieces, down to single
bytes. Because the base vocabulary is the 256 bytes, *any* text can be encoded, and
decoding gives back exactly the bytes that went in (GPT-2's byte-level variant;
LLaMA's SentencePiece gets the same effect with byte fallback).

Text is cut into chunks first (a word with its leading space, a number, punctuation)
and merges never cross them, so " red" and "red." do not fuse into odd tokens:

@code(bpe-train)

Encoding replays the merges in the order they were learned:

@code(bpe-encode)

The special tokens sit after the bytes: `<pad>`, `<s>` (begin of text), `</s>` (end),
`<img>` (an image begins) and `<image>` (one of the K slots that Chapter 8 fills
with an image's K visual tokens: in this book `<image>` always means such a slot, and
an image in a document's text is written [image n]). We train on the documents and on
the instruction data of the last section, so that Vicuna's system sentence gets tokens
of its own. We ask for 512 tokens, but training stops earlier when no pair occurs
twice any more: the world's small vocabulary is then fully merged, every word that
occurs is a token, and merging further would only learn pairs seen once.
*/
let instructionScenes = (0..<200).map { _ in Scene.random(using: &textRandom) }
let systemSamples = instructionScenes.map { scene in
  Conversation(turns: [(user: scene.inventory, assistant: "yes")]).text
}
let tokenizer = BPETokenizer.train(on: documents + systemSamples, vocabularySize: 512)
show("vocabulary:", tokenizer.vocabularySize, "tokens = 256 bytes +",
     BPETokenizer.specialNames.count, "special +", tokenizer.merges.count, "merges")
show("first merges:",
     (0..<10).map { tokenizer.piece(BPETokenizer.firstMergeId + $0) }
       .joined(separator: " "))
show("last merges:", (1...6).map { tokenizer.piece(tokenizer.vocabularySize - $0) }
  .joined(separator: " "))
let example = heldOutDocuments[0]
let exampleIds = tokenizer.encode(example)
for line in tokenLines(exampleIds.map { tokenizer.piece($0) }) { show(line) }
let heldOutBytes = heldOutDocuments.map { $0.utf8.count }.reduce(0, +)
let heldOutTokens = heldOutDocuments.map { tokenizer.encode($0).count }.reduce(0, +)
show("held-out text:", heldOutBytes, "bytes →", heldOutTokens, "tokens,",
     Double(heldOutBytes) / Double(heldOutTokens), "bytes per token")
let foreign = "naïve café, Ελληνικά, кириллица, ∑√∞"  // (the tests try CJK and emoji)
show("\(foreign.debugDescription) →", tokenizer.encode(foreign).count,
     "tokens, decodes back exactly:",
     tokenizer.decode(tokenizer.encode(foreign)) == foreign)
try tokenizer.save(to: chapter.size(quick: "Checkpoints/ch06-tokenizer-quick.txt",
                                    full: "Checkpoints/ch06-tokenizer.txt"))
/*:
Merges are learned in order of frequency: spaces with common letters first, then
the world's words, with the space that precedes them. The tokenizer is saved as a
plain text file of merges (`Checkpoints/ch06-tokenizer.txt`; the quick run's, from
fewer documents, as `ch06-tokenizer-quick.txt`), which Chapter 8 reads.

## Rotary position embedding

Attention by itself does not know the order of its inputs. LLaMA tells it by
*rotating* queries and keys. In a head of width $d$, channel $i$ and channel $i + d/2$
form a pair $(u_i, v_i)$, for $i = 0, \dots, d/2 - 1$, and at position $p$ the pair is
turned by the angle $p\,\theta_i$:

$$\begin{pmatrix} u_i' \\ v_i' \end{pmatrix} =
\begin{pmatrix} \cos p\theta_i & -\sin p\theta_i \\
\sin p\theta_i & \cos p\theta_i \end{pmatrix}
\begin{pmatrix} u_i \\ v_i \end{pmatrix},
\qquad \theta_i = 10000^{-2i/d}.$$

Turning both vectors of a dot product leaves only the difference of their angles, so
the score between a query at position $p$ and a key at position $p'$ depends only on
$(p - p')\,\theta_i$: attention scores see *relative* positions, and no position table
limits the length. Pair 0 turns by one radian per position, the last by
$10000^{-(d-2)/d}$ (at $d = 32$, about 5,600 times slower), so some pairs tell
neighbours apart and others distant tokens.

@code(rope)

The angles come from two tables, the cosines and sines of every position and pair, and
the turn itself is the 2×2 rotation above, applied pair by pair (its inverse, the turn
the other way, is the backward pass):

@code(rope-tables)

Checked numerically: a query at position 7 and a key at 3 give the same score as at
positions 104 and 100, and turning keeps a vector's length:
*/
var ropeRandom = SeededGenerator(seed: 602)
let rope = RotaryEmbedding(headWidth: 32)
let ropeQuery = Tensor.normal([1, 1, 1, 32], using: &ropeRandom)
let ropeKey = Tensor.normal([1, 1, 1, 32], using: &ropeRandom)
/// The score of `query` at position p against `key` at position r, after turning.
func rotatedScore(_ query: Tensor, _ key: Tensor, _ p: Int, _ r: Int) -> Float {
  zip(rope(query, start: p).data, rope(key, start: r).data).map { $0 * $1 }.reduce(0, +)
}
show("score(7, 3) =", rotatedScore(ropeQuery, ropeKey, 7, 3),
     " score(104, 100) =", rotatedScore(ropeQuery, ropeKey, 104, 100))
show("length before and after turning by position 42:",
     ropeQuery.data.map { $0 * $0 }.reduce(0, +).squareRoot(),
     rope(ropeQuery, start: 42).data.map { $0 * $0 }.reduce(0, +).squareRoot())

// How similar a vector stays to itself as the distance grows: q·R(Δ)q / |q|²,
// averaged over random vectors.
let probes = (0..<200).map { _ in Tensor.normal([1, 1, 1, 32], using: &ropeRandom) }
let similarity = stride(from: 0, through: 128, by: 2).map { distance in
  let mean = probes.map { q in
    rotatedScore(q, q, distance, 0) / q.data.map { $0 * $0 }.reduce(0, +)
  }.reduce(0, +) / Float(probes.count)
  return (x: Double(distance), y: Double(mean))
}
try ropeChart(similarity).save(to: chapter.figurePath("rope"))
/*:
![The average cosine similarity between a random vector and the same vector turned
by Δ positions. Fast pairs decorrelate within a few positions, slow ones keep
nearby tokens similar: nearby positions look alike, distant ones less
so.](Figures/ch06-rope.png){width=80%}

## The LLaMA block

LLaMA [@touvron2023llama] is a pre-norm Transformer decoder with three changes
that Vicuna inherits: RMSNorm instead of LayerNorm (Chapter 2: no mean subtraction,
no bias), rotary embeddings in attention, and a SwiGLU feed-forward block. None of its
projections has a bias. Attention is Chapter 2's, with the causal mask and with RoPE
turning queries and keys before their dot product:

@code(llama-attention)

The forward pass splits heads, turns queries and keys by their positions, appends
keys and values to the cache when there is one, and masks only what lies in the future
of each query:

@code(llama-attention-forward)

The feed-forward block replaces Chapter 3's "widen, GELU, narrow" by a *gated* one
[@shazeer2020glu]. Two projections widen the token; one of them passes through SiLU and
then multiplies the other, unit by unit, before the third narrows the result:

$$\mathrm{SwiGLU}(x) = W_{\text{down}}\bigl(\mathrm{SiLU}(W_{\text{gate}}\,x)
\odot W_{\text{up}}\,x\bigr).$$

In a ReLU or GELU block each hidden unit applies a fixed curve to one projection of
the input, so how much of it passes depends on that projection alone. Here the gate is
a second, learned projection: one direction of the input decides how much of another
passes, a product of two functions of $x$ that a single curve cannot express. To keep
the parameter count of a 4× block with three matrices instead of two, LLaMA sizes the
hidden layer at about $\tfrac{8}{3}$ of the width; ours is 352 for width 128 (that
ratio, rounded up to a multiple of 32).

@code(swiglu)

The block, with the place where MM-Interleaved's Synchronizer will go:

@code(decoder-block)

And the model around the blocks: an embedding, the stack, a final RMSNorm and an
output projection to the vocabulary:

@code(language-model)

Its forward pass runs the blocks, with the cache and the hook for Chapter 8 passed
down, and turns the last hidden states into logits:

@code(language-model-forward)
*/
var configuration = LanguageModelConfiguration(vocabularySize: tokenizer.vocabularySize)
configuration.contextLength = 64
var modelRandom = SeededGenerator(seed: 603)
let model = LanguageModel(configuration, using: &modelRandom)
show("MMI-Tiny's language model:", configuration.layers, "blocks, width",
     configuration.width, "·", configuration.heads, "heads · SwiGLU hidden",
     configuration.hiddenWidth, "·", model.parameterCount, "parameters")
let probe = withoutGradient { model(Array(exampleIds.prefix(10))) }
show("10 tokens →", probe.shape, "logits; an untrained model's loss ≈ log V =",
     logf(Float(tokenizer.vocabularySize)))
/*:
## Training on the world's text

The documents are tokenized, each wrapped in `<s>` … `</s>`, and packed end to end
into one stream; training cuts random windows of 65 tokens from it and predicts
tokens 2–65 from tokens 1–64. The loss is the mean cross-entropy of the next token;
its exponential, the *perplexity*, is the number of equally likely tokens the model is
as unsure as. As a yardstick, a unigram model (each token's frequency, ignoring
context) is measured on the same held-out text. The full run, 1,500 steps:

@fullrun(ch06-perplexity)

@fullrun(ch06-loss)

A perplexity under 2: at most tokens the model is about as unsure as a choice between
two, against 38 for token frequencies alone. Much of the world's text is predictable
from its grammar (after "a big" comes a colour); the uncertainty left is mostly the
scene itself, which colour and where. The quick run, in seconds:
*/
/// Every document as `<s>` ids `</s>`, end to end.
func packed(_ texts: [String], _ tokenizer: BPETokenizer) -> [Int] {
  texts.flatMap { [tokenizer.beginning] + tokenizer.encode($0) + [tokenizer.end] }
}
let stream = packed(documents, tokenizer)
let heldOutStream = packed(heldOutDocuments, tokenizer)
show("training stream:", stream.count, "tokens; held-out:", heldOutStream.count)

/// Cross-entropy (nats per token) of a unigram model fitted to `stream` (add-one
/// smoothed) on `heldOut`.
func unigramLoss(_ stream: [Int], _ heldOut: [Int], vocabulary: Int) -> Double {
  var counts = [Double](repeating: 1, count: vocabulary)
  for id in stream { counts[id] += 1 }
  let total = counts.reduce(0, +)
  return -heldOut.map { log(counts[$0] / total) }.reduce(0, +) / Double(heldOut.count)
}

/// Mean next-token loss of `model` on consecutive windows of `stream`.
func heldOutLoss(_ model: LanguageModel, _ stream: [Int], window: Int) -> Float {
  withoutGradient {
    let count = (stream.count - 1) / window
    let inputs = (0..<count).flatMap {
      Array(stream[($0 * window)..<($0 * window + window)])
    }
    let targets = (0..<count).flatMap {
      Array(stream[($0 * window + 1)...($0 * window + window)])
    }
    let logits = model(inputs, batch: count)  // [B, T, V]
    return crossEntropy(logits.reshaped([-1, logits.shape[2]]), targets: targets).item
  }
}

let window = configuration.contextLength
let batchSize = 8
let steps = chapter.size(quick: 60, full: 1500)
let evaluateEvery = chapter.size(quick: 20, full: 100)
var training = TrainingConfiguration(
  steps: steps, learningRate: 1e-3, warmupSteps: min(100, steps / 10),
  minimumLearningRate: 1e-4)
training.label = "language model"
let trainer = Trainer(model, training)
var trainingCurve: [(x: Double, y: Double)] = []
var heldOutCurve: [(x: Double, y: Double)] = []
try trainer.run { step in
  var batchRandom = SeededGenerator(seed: 6_000 + UInt64(step))  // step k's windows
  let starts = (0..<batchSize).map { _ in
    batchRandom.nextInt(below: stream.count - window - 1)
  }
  let inputs = starts.flatMap { Array(stream[$0..<($0 + window)]) }
  let targets = starts.flatMap { Array(stream[($0 + 1)...($0 + window)]) }
  let logits = model(inputs, batch: batchSize)  // [B, T, V]
  return crossEntropy(logits.reshaped([-1, logits.shape[2]]), targets: targets)
} afterStep: { step in
  trainingCurve.append((Double(step + 1), Double(trainer.losses[step])))
  if (step + 1) % evaluateEvery == 0 {
    heldOutCurve.append((Double(step + 1),
                         Double(heldOutLoss(model, heldOutStream, window: window))))
  }
}
let trainingSeconds = trainer.seconds
showTiming("\(steps) steps of \(batchSize) × \(window) tokens", seconds: trainingSeconds)
showMeasurement("training speed (forward, backward, AdamW)",
                formatted(Double(steps * batchSize * window) / trainingSeconds)
                  + " tokens/s")
let finalLoss = heldOutLoss(model, heldOutStream, window: window)
let unigram = unigramLoss(stream, heldOutStream, vocabulary: tokenizer.vocabularySize)
let perplexityRows = [
  ["unigram (token frequencies)", "\(rounded: unigram)", "\(rounded: exp(unigram))"],
  ["our model, \(steps) steps", "\(rounded: finalLoss)", "\(rounded: expf(finalLoss))"],
]
let perplexityHeader = ["held-out text", "loss (nats/token)", "perplexity"]
showTable(perplexityHeader, perplexityRows)
try chapter.recordFullRun("perplexity", markdownTable(perplexityHeader, perplexityRows))

try saveLossFigure(chapter, training: trainingCurve, heldOut: heldOutCurve)
/*:
![Training and held-out loss of the quick run, which stops while the loss is still
falling steeply.](Figures/ch06-loss.png){width=85%}

## Sampling

A language model gives a distribution over the next token; a *sampler* picks one.
Greedy decoding takes the most likely; sampling draws from the distribution, sharpened
or flattened by a temperature; top-k and top-p (nucleus) sampling cut off the unlikely
tail first; a repetition penalty discourages tokens already written.

@code(sampler)

The probabilities apply the steps in the order the comment above gives: penalty,
temperature, top-k, top-p:

@code(sampler-probabilities)

Drawing a token from them is one pass over the running sum, with a uniform number:

@code(sampler-next)

Generation feeds each chosen token back:

@code(generate)
*/
let prompt = [tokenizer.beginning] + tokenizer.encode("a big")
var sampleRows: [[String]] = []
for (name, sampler) in [("greedy", Sampler.greedy),
                        ("T = 0.7", Sampler(temperature: 0.7)),
                        ("T = 1", Sampler(temperature: 1)),
                        ("T = 1.5", Sampler(temperature: 1.5)),
                        ("T = 1, top-p 0.9", Sampler(temperature: 1, topP: 0.9))] {
  var sampleRandom = SeededGenerator(seed: 605)
  let continuation = model.generate(prompt, maxNewTokens: 24, sampler: sampler,
                                    stopTokens: [tokenizer.end], using: &sampleRandom)
  // A "|" would end the table's cell early.
  let text = String(tokenizer.decode(prompt.dropFirst() + continuation)
    .map { $0 == "|" ? "/" : $0 })
  sampleRows.append([name, text])
}
showTable(["sampler", "text from \"a big\""], sampleRows)
try chapter.recordFullRun("samples", markdownTable(["sampler", "text from \"a big\""],
                                                   sampleRows))
/*:
The quick model has not learned enough for its samples to mean much. The full run's:

@fullrun(ch06-samples)

Every row draws with the same seed, so where the model is sure of the next token the
rows agree word for word, and they part where it hesitates. Greedy decoding settles
into the most common phrasing, and can repeat itself; raising the temperature gives
the unlikely tail more weight, until the text drifts into words the world never uses;
top-p cuts that tail off before drawing. At T = 1.5 the sampler even draws tokens the
world's text never contains, because a hot sampler gives every token some probability:
in this run the padding token `<pad>` and capital letters. The tokenizer's first 256
tokens are single bytes, among them the 128 that occur only inside multi-byte
characters; when one of those is drawn alone (it happened in earlier recordings of this
run) it is not valid UTF-8 and prints as the replacement character "�".

## The cache of keys and values

Generating token n by running the model over all n tokens repeats the work of the
n − 1 before: their keys and values in every layer do not change, since attention is
causal. A *KV cache* keeps them, so each step feeds only the newest token, which
attends to the cached keys and values. The result must be identical; the cost per
token stops growing with the square of the length:
*/
let longPrompt = [tokenizer.beginning] + tokenizer.encode(heldOutDocuments[1])
  .prefix(16)
var outputs: [[Int]] = []
for cached in [false, true] {
  let (generated, seconds) = timed(repeats: 3) {
    var greedy = SeededGenerator(seed: 606)
    return model.generate(Array(longPrompt), maxNewTokens: 64, sampler: .greedy,
                          cached: cached, using: &greedy)
  }
  outputs.append(generated)
  showTiming("64 tokens \(cached ? "with" : "without") the cache", seconds: seconds)
}
show("the same 64 tokens with and without the cache:", outputs[0] == outputs[1])
/*:
## Instruction tuning in Vicuna's template

Vicuna is LLaMA fine-tuned on conversations written in a fixed template: a system
sentence, then turns of `USER:` and `ASSISTANT:`, each answer closed by `</s>`.
MM-Interleaved's instruction tuning keeps the template. The loss is computed only on
the assistant's tokens: the model learns to answer, not to ask.

@code(vicuna)

From the pieces come the tokens, each marked as answer or not, and the training
example, whose targets are −1 wherever the next token is not part of an answer:

@code(vicuna-tokens)

Our task: answer questions about a scene from its inventory, in words only. The user
turn is the inventory and the question; the assistant's answer is one or two words.
We continue training the model above on such conversations, then ask it about 200
held-out scenes with greedy decoding, and count exact answers per kind of question.
The full run (8,000 training conversations, 1,200 steps) answered:

@fullrun(ch06-answers)

Read each row against the last column, what a model that never looks at the scene
scores by always giving the most frequent answer of that kind: yes/no questions and
counts are easy to guess in this world, so only the margin over the blind answer is
learned understanding. Look-ups (the colour or shape of a named object, the object at
a cell) need the model to find a phrase in the inventory and copy what sits next to
it; naming an object's exact cell needs it to pick out the one object the question
describes first. This is the language model Chapter 8 will teach to read images
instead of inventories.

One row teaches nothing: "above". The world asks about a pair of objects in reading
order, the earlier one first, and an object earlier in reading order is never lower
than a later one, so the answer is "yes" unless the two share a row, and a blind
"yes" scores as well as any model. "Left of" shares the bias only for objects in the
same row (the earlier is then always the left one), which is why a blind "yes" is right
more often than not there; the margin over it is what the model learned. (A question
generator that shuffled each pair would remove both biases; it is on the list for the
interleaved data of Chapter 9.)
*/
/// One training conversation about `scene`.
func questionConversation(_ scene: Scene, _ question: String, _ answer: String?)
  -> Conversation
{
  Conversation(turns: [(user: "\(scene.inventory). \(question)", assistant: answer)])
}

/// The kind of a question, from its first words.
func questionKind(_ question: String) -> String {
  let kinds = [("how many", "count"), ("what colour", "colour"), ("what shape", "shape"),
               ("where is", "cell of an object"), ("what is at", "object at a cell"),
               ("is the", question.contains(" left of ") ? "left of" : "above")]
  return kinds.first { question.hasPrefix($0.0) }?.1 ?? "other"
}

let (firstQuestion, firstAnswer) = instructionScenes[0].questionsAndAnswers()[0]
let example0 = questionConversation(instructionScenes[0], firstQuestion, firstAnswer)
let (exampleTokens, exampleMask) = example0.tokens(tokenizer)
show(tokenizer.decode(exampleTokens))
show("tokens:", exampleTokens.count, "of which the loss sees",
     exampleMask.filter { $0 }.count, ":",
     tokenizer.decode(zip(exampleTokens, exampleMask).filter { $0.1 }.map { $0.0 }))

var tuneRandom = SeededGenerator(seed: 607)
var answerCounts: [String: [String: Int]] = [:]  // kind → answer → count
let tuningExamples = (0..<chapter.size(quick: 800, full: 8000)).map { _ in
  let scene = Scene.random(using: &tuneRandom)
  let pairs = scene.questionsAndAnswers()
  let (question, answer) = pairs[tuneRandom.nextInt(below: pairs.count)]
  answerCounts[questionKind(question), default: [:]][answer, default: 0] += 1
  return questionConversation(scene, question, answer).trainingExample(tokenizer)
}
// The baseline that ignores the scene: the most frequent training answer of each kind.
let mostFrequent = answerCounts.mapValues { counts in
  counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
}
/// A padded batch: inputs [B, T] (pad tokens after the end) and targets (−1 ignored).
func paddedBatch(_ examples: ArraySlice<(inputs: [Int], targets: [Int])>, pad: Int)
  -> (inputs: [Int], targets: [Int], length: Int)
{
  let length = examples.map { $0.inputs.count }.max()!
  var inputs: [Int] = [], targets: [Int] = []
  for example in examples {
    let padding = length - example.inputs.count
    inputs += example.inputs + [Int](repeating: pad, count: padding)
    targets += example.targets + [Int](repeating: -1, count: padding)
  }
  return (inputs, targets, length)
}

let tuningSteps = chapter.size(quick: 60, full: 1200)
var tuning = TrainingConfiguration(
  steps: tuningSteps, learningRate: 5e-4, warmupSteps: tuningSteps / 10,
  minimumLearningRate: 5e-5)
tuning.label = "instruction tuning"
let tuner = Trainer(model, tuning)
try tuner.run { step in
  let start = (step * batchSize) % (tuningExamples.count - batchSize)
  let batch = paddedBatch(tuningExamples[start..<(start + batchSize)],
                          pad: tokenizer.padding)
  let logits = model(batch.inputs, batch: batchSize)  // [B, T, V]
  return crossEntropy(logits.reshaped([-1, logits.shape[2]]), targets: batch.targets,
                      ignoreIndex: -1)
}
let tuningSeconds = tuner.seconds
showTiming("instruction tuning, \(tuningSteps) steps", seconds: tuningSeconds)
try model.save(to: LanguageModel.savedByChapter6.savingPath(full: chapter.options.full))

var askRandom = SeededGenerator(seed: 608)
var right: [String: Int] = [:], asked: [String: Int] = [:], guessed: [String: Int] = [:]
var transcriptExamples: [String] = []
for _ in 0..<200 {
  let scene = Scene.random(using: &askRandom)
  let pairs = scene.questionsAndAnswers()
  let (question, answer) = pairs[askRandom.nextInt(below: pairs.count)]
  let promptIds = questionConversation(scene, question, nil).tokens(tokenizer).ids
  var greedy = SeededGenerator(seed: 0)
  let reply = model.generate(promptIds, maxNewTokens: 8, sampler: .greedy,
                             stopTokens: [tokenizer.end], using: &greedy)
  let said = tokenizer.decode(reply.filter { $0 != tokenizer.end })
    .split(separator: " ").joined(separator: " ")
  let kind = questionKind(question)
  asked[kind, default: 0] += 1
  if said == answer { right[kind, default: 0] += 1 }
  if mostFrequent[kind] == answer { guessed[kind, default: 0] += 1 }
  if transcriptExamples.count < 3 {
    transcriptExamples.append("\(question) → \"\(said)\" (expected \"\(answer)\")")
  }
}
for line in transcriptExamples { show(line) }
/// "12.5%" of `count` out of `total`.
func percentage(_ count: Int, of total: Int) -> String {
  "\(rounded: 100 * Double(count) / Double(total))%"
}
let kinds = asked.keys.sorted()
let answerRows = kinds.map { kind in
  [kind, "\(asked[kind]!)", percentage(right[kind] ?? 0, of: asked[kind]!),
   "\(mostFrequent[kind] ?? "–"): " + percentage(guessed[kind] ?? 0, of: asked[kind]!)]
} + [["all", "200", percentage(right.values.reduce(0, +), of: 200),
      percentage(guessed.values.reduce(0, +), of: 200)]]
let answerHeader = ["question", "asked", "answered exactly",
                    "most frequent answer, blind"]
showTable(answerHeader, answerRows)
try chapter.recordFullRun("answers", markdownTable(answerHeader, answerRows))
/*:
The quick run's answers above come from a model tuned for a few dozen steps; compare
its last row with the full run's at the start of this section. The tuned model is saved
(`Checkpoints/ch06-language.safetensors`; the quick run's as
`ch06-language-quick.safetensors`): Chapter 9 starts MMI-Tiny's decoder from it, as
MM-Interleaved starts from Vicuna.

## Summary

- Byte-level BPE learns merges by frequency from the bytes up; any text round-trips
  exactly, and the world's words become single tokens.
- RoPE turns query and key pairs by position-dependent angles, so scores depend on
  relative positions.
- A LLaMA block is pre-norm RMSNorm, causal attention with RoPE, and a SwiGLU
  feed-forward, without biases; MMFS will sit between attention and feed-forward.
- A KV cache makes generation cost one token's work per step, with identical output.
- Samplers trade faithfulness for variety: greedy, temperature, top-k, top-p,
  repetition penalty.
- Vicuna's template and a loss on the answers alone turn a text model into one that
  answers questions.

## Questions

1. Why does byte-level BPE never meet an unknown character?
2. Why must merges be applied in the order they were learned when encoding?
3. What would go wrong if merges could cross the space before a word?
4. Show that a dot product of two vectors turned by RoPE depends only on the
   difference of their positions.
5. What does RMSNorm drop from LayerNorm, and why might that not matter?
6. What does the gate in SwiGLU do that a ReLU feed-forward cannot?
7. Why can the keys and values of earlier tokens be cached, and why could they not be
   if attention were bidirectional?
8. What does temperature do to the probabilities as it goes to 0 and to infinity?
9. Why is the loss in instruction tuning masked to the assistant's tokens?
10. What is perplexity, and what does a perplexity of 1 mean?

## Exercises

Stubs are in `Chapters/Chapter06/Exercises.swift`; check an answer with
`swift run -c release Chapter06 --check-exercise N`. Solutions are in
`Exercises/Solutions/Chapter06.swift`.

1. **One merge** (warm-up). Given words as id sequences with their counts, find the pair
   BPE merges next (most frequent, ties to the smaller pair).
2. **Nucleus** (implement). Given probabilities, keep the smallest set of most likely
   tokens whose total reaches p, and renormalise.
3. **RoPE by hand** (implement). Turn one head vector for position p with plain loops,
   and check it against `RotaryEmbedding`.
4. **The loss mask** (extend). From a conversation's tokens and which of them are
   answers, build the inputs and next-token targets with −1 where the loss must not
   look.

**Project: unbias the pair questions.** "Above" and "left of" are biased because the
world always names the earlier object of a pair first (the last section). Make the
question generator shuffle each pair, retrain (`--full`), and read the two rows again.
What to expect: the blind answer drops towards 50 % on both, and the model's score on
"above", today 100 % for free, shows what it can actually read from the inventory's
cells; whether it then beats the blind answer by as much as on "left of" is the
experiment's question.
*/
