import Autograd
import Interleaved
import Language
import Testing

@testable import Evaluation

/// Structural tokens first, as the Interleaved tests have them; 12 tokens in all.
let special = SpecialTokens(padding: 0, beginning: 1, end: 2, beginImage: 3, imageSlot: 4)

/// A reader whose answers are written in advance: each read returns logits that put
/// the script's next token first (except a read that ends at an <img>). It records what
/// the loop showed it.
struct ScriptedReader: InterleavedReader {
  var script: [Int]
  var vocabulary = 12
  /// For every position read: the images it may see, and whether each of those was
  /// still the placeholder when it was read.
  var seen: [(position: Int, visible: [Int], placeholders: [Int])] = []
  /// For every image drawn: its index, and how many positions had been read.
  var draws: [(index: Int, read: Int, beginImage: Int)] = []
  var read = 0
  let placeholder: [Float]

  init(script: [Int], placeholder: Tensor) {
    (self.script, self.placeholder) = (script, placeholder.data)
  }

  mutating func read(
    _ sequence: PackedSequence, positions: Range<Int>, images: [Tensor]
  ) throws -> [Float] {
    #expect(positions.lowerBound == read, "positions must follow on")
    #expect(images.count == sequence.imageCount)
    let n = sequence.imageCount
    let visibility = sequence.visibility
    for t in positions {
      let visible = (0..<n).filter { visibility[t * n + $0] }
      let stale = visible.filter { images[$0].data == placeholder }
      seen.append((t, visible, stale))
    }
    read = positions.upperBound
    // What follows an <img> is its slots, never sampled: no script token is spent.
    if sequence.tokens[read - 1] == special.beginImage {
      return [Float](repeating: 0, count: vocabulary)
    }
    let next = script.isEmpty ? special.end : script.removeFirst()
    return (0..<vocabulary).map { $0 == next ? 1 : 0 }
  }

  mutating func drawImage(
    _ index: Int, of sequence: PackedSequence, images: [Tensor],
    using generator: inout SeededGenerator
  ) throws -> Tensor {
    draws.append((index, read, sequence.beginImages[index]))
    return Tensor.full([3, 32, 32], Float(index + 1) / 10)
  }
}

@Suite("Interleaved generation: the loop that alternates text and images")
struct GenerationTests {
  let generation = InterleavedGeneration(
    special: special, slotsPerImage: 2, imageSide: 32, maxTokens: 10, maxImages: 2)

  func run(
    _ prompt: [DocumentItem], images: [Tensor] = [], script: [Int]
  )
    throws -> (GeneratedDocument, ScriptedReader)
  {
    var reader = ScriptedReader(script: script, placeholder: generation.placeholder)
    var g = SeededGenerator(seed: 1)
    let document = try generation.continue(
      prompt, images: images, reader: &reader, using: &g)
    return (document, reader)
  }

  @Test func textThenImageThenTextThenEnd() throws {
    let (document, _) = try run([.text([5, 6])], script: [7, 8, 3, 9, 2])
    #expect(document.events == [.token(7), .token(8), .image(index: 0), .token(9), .end])
    #expect(document.items == [.text([5, 6, 7, 8]), .image, .text([9])])
    #expect(document.images.count == 1)
    #expect(document.images[0].data.allSatisfy { $0 == 0.1 })
  }

  @Test func anImageIsDrawnAfterItsImgIsReadAndBeforeItsSlots() throws {
    let (document, reader) = try run([.text([5])], script: [3, 6, 3, 7, 2])
    #expect(document.drawnImages == [0, 1])
    for draw in reader.draws {
      #expect(draw.read == draw.beginImage + 1, "read through <img>, no slot")
    }
  }

  @Test func aDrawnImageIsVisibleAfterItsImgAndNeverAsThePlaceholder() throws {
    let (document, reader) = try run([.text([5])], script: [6, 3, 7, 3, 8, 2])
    let sequence = try generation.pack(document.items)
    for (position, visible, stale) in reader.seen {
      let expected = sequence.imageStarts.indices.filter {
        sequence.imageStarts[$0] <= position
      }
      #expect(visible == expected, "position \(position)")
      #expect(stale.isEmpty, "position \(position) read a placeholder")
    }
    // The <img> of each image saw only the images before it.
    for (j, open) in sequence.beginImages.enumerated() {
      let row = reader.seen.first { $0.position == open }!
      #expect(row.visible == Array(0..<j))
    }
  }

  @Test func aPromptEndingInAnImageWithoutItsPictureDrawsItFirst() throws {
    let picture = Tensor.full([3, 32, 32], 0.9)
    let (document, reader) = try run(
      [.image, .text([5]), .image], images: [picture], script: [6, 2])
    #expect(document.events == [.image(index: 1), .token(6), .end])
    #expect(reader.draws.map(\.index) == [1])
    #expect(document.images[0].data == picture.data)
  }

  @Test func theBudgetsStopTheDocument() throws {
    let (long, _) = try run([.text([5])], script: Array(repeating: 6, count: 30))
    #expect(long.newTokens.count == 10 && !long.events.contains(.end))
    let (images, _) = try run([.text([5])], script: [3, 3, 3, 6])
    #expect(images.drawnImages == [0, 1] && images.newTokens.isEmpty)
  }

  @Test func picturesThatDoNotMatchThePromptAreAClearError() throws {
    #expect(throws: GenerationError.self) {
      _ = try run([.image, .text([5])], images: [], script: [2])
    }
    let error = try #require(throws: GenerationError.self) {
      _ = try run([.text([5])], images: [Tensor.zeros([3, 32, 32])], script: [2])
    }
    #expect(error.description.contains("holds 0 images but 1 pictures"))
  }
}

@Suite("Interleaved generation with MMI-Tiny's cached reader")
struct CachedReaderTests {
  /// Reading position by position, through an image drawn on the way, leaves the
  /// states a full forward pass over the finished document computes.
  @Test func cachedStatesEqualAFullForwardPass() throws {
    var g = SeededGenerator(seed: 5)
    let model = MMInterleaved(.tiny(vocabularySize: 12), using: &g)
    for block in model.decoderSynchronizers { block.gate.assign([0.7]) }
    for p in model.visualProjection.parameters {
      p.assign((0..<p.count).map { _ in g.uniform(-0.5, 0.5) })
    }
    let generation = InterleavedGeneration(
      special: special, slotsPerImage: 2, imageSide: 32,
      sampler: Sampler(temperature: 1), maxTokens: 6, maxImages: 1, steps: 2)
    let reader = CachedInterleavedReader(model, steps: 2, guidance: 3)
    var cached = reader
    let prompt = [DocumentItem.image, .text([5, 6]), .image]
    let picture = Tensor.uniform([3, 32, 32], using: &g)
    let document = try generation.continue(
      prompt, images: [picture], reader: &cached, using: &g)
    #expect(document.drawnImages == [1])
    let sequence = try generation.pack(document.items)
    let read = reader.positionsRead
    #expect(read == sequence.length - 1, "all but the </s> packing adds")
    let full = withoutGradient {
      model.decoderStates(
        [sequence], images: model.encode(Tensor.stack(document.images)),
        positions: 0..<read)
    }  // [1, P, C]
    let pieces = Tensor.concatenate(reader.states, axis: 1)  // [1, P, C]
    #expect(pieces.shape == full.shape)
    let largest = zip(pieces.data, full.data).map { abs($0 - $1) }.max()!
    #expect(largest < 1e-4, "largest difference \(largest)")
  }

  /// The check above can fail: had the reader kept the placeholder where the drawn
  /// image goes, every state from the image's first slot on would differ (and none
  /// before it).
  @Test func theCheckSeesAStalePicture() throws {
    var g = SeededGenerator(seed: 5)
    let model = MMInterleaved(.tiny(vocabularySize: 12), using: &g)
    for block in model.decoderSynchronizers { block.gate.assign([0.7]) }
    let generation = InterleavedGeneration(
      special: special, slotsPerImage: 2, imageSide: 32, maxTokens: 3, maxImages: 1,
      steps: 2)
    let sequence = try generation.pack([.text([5]), .image, .text([6, 7])])
    let drawn = Tensor.uniform([3, 32, 32], using: &g)
    let stale = withoutGradient {
      model.decoderStates(
        [sequence], images: model.encode(Tensor.stack([generation.placeholder])))
    }
    let fresh = withoutGradient {
      model.decoderStates([sequence], images: model.encode(Tensor.stack([drawn])))
    }
    let after = sequence.imageStarts[0]
    let width = fresh.shape[2]
    let before = Array(0..<(after * width))
    #expect(before.allSatisfy { stale.data[$0] == fresh.data[$0] })
    let largest = (after * width..<fresh.count).map {
      abs(stale.data[$0] - fresh.data[$0])
    }
    .max()!
    #expect(largest > 1e-3)
  }
}
