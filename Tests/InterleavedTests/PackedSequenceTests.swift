import Testing

@testable import Interleaved

/// Small ids that read well in the expectations: text tokens are 1…9.
let special = SpecialTokens(
  padding: 0, beginning: 10, end: 11, beginImage: 12, imageSlot: 13)
let (pad, bos, eos, soi, img) = (0, 10, 11, 12, 13)

/// Two documents: [<s> 1 2 <img> K×<image> 3 </s>] and [<s> <img> K×<image> 4 5 <img>
/// K×<image> </s>], K = 2, packed into 20 tokens.
func twoDocuments() throws -> PackedSequence {
  try PackedSequence.pack(
    [
      SequenceDocument([.text([1, 2]), .image, .text([3])]),
      SequenceDocument([.image, .text([4, 5]), .image]),
    ], slotsPerImage: 2, length: 20, special: special)
}

@Suite("Packed interleaved sequences: layout, image mask, loss mask, condition span")
struct PackedSequenceTests {
  @Test func layout() throws {
    let packed = try twoDocuments()
    #expect(
      packed.tokens == [
        bos, 1, 2, soi, img, img, 3, eos,  // document 0: positions 0–7
        bos, soi, img, img, 4, 5, soi, img, img, eos,  // document 1: 8–17
        pad, pad,
      ])
    #expect(packed.documents == [0, 0, 0, 0, 0, 0, 0, 0] + [Int](repeating: 1, count: 10)
      + [-1, -1])
    #expect(packed.documentStarts == [0, 8])
    #expect(packed.beginImages == [3, 9, 14])
    #expect(packed.imageDocuments == [0, 1, 1])
    #expect(packed.imageStarts == [4, 10, 15])
    #expect(packed.slotPositions == [4, 5, 10, 11, 15, 16])
  }

  @Test func visibility() throws {
    let packed = try twoDocuments()
    let n = packed.imageCount
    func sees(_ t: Int) -> [Bool] { Array(packed.visibility[(t * n)..<((t + 1) * n)]) }
    #expect(sees(2) == [false, false, false])  // text before its document's image
    #expect(sees(3) == [false, false, false])  // an <img> does not see its own image
    #expect(sees(4) == [true, false, false])  // its first slot does
    #expect(sees(7) == [true, false, false])  // </s> of document 0
    #expect(sees(8) == [false, false, false])  // a new document sees no earlier image
    #expect(sees(12) == [false, true, false])
    #expect(sees(14) == [false, true, false])  // second image's <img>
    #expect(sees(15) == [false, true, true])
    #expect(sees(18) == [false, false, false])  // padding
  }

  @Test func textTargetsFollowEachRule() throws {
    let targets = try twoDocuments().textTargets()
    #expect(targets.count == 20)
    #expect(targets[0] == 1 && targets[1] == 2)  // text is predicted
    #expect(targets[2] == soi)  // an <img> after text is predicted: when to draw
    #expect(targets[3] == -1 && targets[4] == -1)  // slots are not predicted
    #expect(targets[5] == 3)  // the first token after an image is
    #expect(targets[6] == eos)
    #expect(targets[7] == -1)  // <s> of the next document is not
    #expect(targets[8] == -1)  // an <img> right after <s> cannot be foreseen
    #expect(targets[11] == 4)
    #expect(targets[17] == -1 && targets[18] == -1)  // padding is not a target
    #expect(targets[19] == -1)  // the last position has no next token
  }

  @Test func captionDocumentsTrainTextOnlyAfterTheirFirstImage() throws {
    let packed = try PackedSequence.pack(
      [
        SequenceDocument([.text([1, 2]), .image, .text([3])],
                         trainsTextBeforeFirstImage: false),
        SequenceDocument([.text([4])], trainsTextBeforeFirstImage: false),
      ], slotsPerImage: 1, length: 10, special: special)
    // [<s> 1 2 <img> <image> 3 </s>][<s> 4 </s>]
    #expect(packed.tokens == [bos, 1, 2, soi, img, 3, eos, bos, 4, eos])
    #expect(packed.textTargets() == [-1, -1, -1, -1, 3, eos, -1, -1, -1, -1])
  }

  @Test func conditionSpanIsReversedAndStaysInItsDocument() throws {
    let packed = try twoDocuments()
    #expect(packed.conditionSpan(ofImage: 0) == [3, 2, 1, 0])
    #expect(packed.conditionSpan(ofImage: 1) == [9, 8])
    #expect(packed.conditionSpan(ofImage: 2) == Array((8...14).reversed()))
    // Only <s> and <img> before it: nothing to learn the image from.
    #expect(packed.isConditioned(image: 0))
    #expect(!packed.isConditioned(image: 1))
    #expect(packed.isConditioned(image: 2))
  }

  @Test func tooLongOrSlotlessIsAClearError() {
    let document = SequenceDocument([.text([1, 2, 3]), .image])
    #expect(throws: PackingError.self) {
      _ = try PackedSequence.pack(
        [document], slotsPerImage: 8, length: 10, special: special)
    }
    do {
      _ = try PackedSequence.pack(
        [document], slotsPerImage: 8, length: 10, special: special)
    } catch {
      #expect("\(error)".contains("take 14 tokens, more than the sequence length 10"))
    }
    #expect(throws: PackingError.self) {
      _ = try PackedSequence.pack(
        [document], slotsPerImage: 0, length: 10, special: special)
    }
  }
}
