import Autograd
import Datasets
import Interleaved
import Testing
import Training

@Suite("Evaluating what the model reads")
struct ReadingEvaluationTests {
  @Test func boxesParseFromWhatTheModelWrites() {
    #expect(CellBox(parsing: "(1,0)(2,1)") == CellBox(1, 0, 2, 1))
    #expect(CellBox(parsing: " ( 1 , 0 ) ( 2 , 1 )") == CellBox(1, 0, 2, 1))
    #expect(CellBox(parsing: "(1,0)(2") == nil)
    #expect(CellBox(parsing: "a big red circle") == nil)
    #expect(CellBox(parsing: "(1,0)(2,1)(3,4)") == nil)
  }

  @Test func boxOverlapCountsCellsWithInclusiveCorners() {
    let box = CellBox(1, 1, 2, 2)  // 4 cells
    #expect(box.intersectionOverUnion(box) == 1)
    #expect(box.intersectionOverUnion(CellBox(2, 2, 3, 3)) == 1.0 / 7)
    #expect(box.intersectionOverUnion(CellBox(4, 4, 5, 5)) == 0)
    #expect(CellBox(0, 0, 0, 0).intersectionOverUnion(CellBox(0, 0, 0, 0)) == 1)
  }

  @Test func heldOutReferencesNameTheirObjectAndItsBox() {
    let references = HeldOutReference.draw(50, seed: 4)
    #expect(references.count == 50)
    for reference in references {
      #expect(reference.name.hasPrefix("the ") && !reference.name.contains("("))
      let expressions = reference.scene.referringExpressions()
      let written = "\(reference.name) (\(reference.box.x1),\(reference.box.y1))"
        + "(\(reference.box.x2),\(reference.box.y2))"
      #expect(expressions.contains { $0.expression == written }, "\(written)")
    }
    let again = HeldOutReference.draw(5, seed: 4)
    #expect(again.map(\.box) == references.prefix(5).map(\.box))
  }

  @Test func questionsDrawnPerKindComeInEqualNumbers() {
    let questions = HeldOutQuestion.draw(perKind: 7, of: [.cell, .contents], seed: 5)
    #expect(questions.count == 14)
    #expect(questions.filter { $0.kind == .cell }.count == 7)
    #expect(questions.filter { $0.kind == .contents }.count == 7)
  }
}

@Suite("Drawing images")
struct DrawingTests {
  let packer = DocumentPacker(tokenizer: worldTokenizer, slotsPerImage: 2, length: 64)

  @Test func theLastImageOfEachDocumentIsDrawnInRange() throws {
    let model = tinyModel(seed: 12)
    var scenes = SeededGenerator(seed: 13)
    let scene = Scene.random(using: &scenes)
    let documents = [
      SequenceDocument([.text(worldTokenizer.encode("draw: a red circle")), .image]),
      SequenceDocument([.image, .text(worldTokenizer.encode("scene:")), .image]),
    ]
    let earlier = [[], [scene.segmentationImage().tensor]]
    var first = SeededGenerator(seed: 14), second = SeededGenerator(seed: 14)
    let drawn = try model.drawLastImages(
      of: documents, images: earlier, special: packer.special, steps: 3,
      using: &first)
    #expect(drawn.shape == [2, 3, 32, 32])
    #expect(drawn.data.allSatisfy { (0...1).contains($0) })
    let again = try model.drawLastImages(
      of: documents, images: earlier, special: packer.special, steps: 3,
      using: &second)
    #expect(again.data == drawn.data)
  }
}
