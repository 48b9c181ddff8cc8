import Autograd
import Datasets
import Testing
import Training

@Suite("Reading scenes")
struct SceneReadingTests {
  @Test func theMainObjectOfATrueMapIsTheScenesObject() {
    var generator = SeededGenerator(seed: 3)
    for _ in 0..<200 {
      let scene = Scene.random(objectCount: 1, using: &generator)
      let object = scene.objects[0]
      let read = mainObject(scene.segmentation())
      #expect(read?.shape == object.shape && read?.color == object.color)
      #expect(read?.column == object.column && read?.row == object.row)
    }
  }

  @Test func anEmptyMapHasNoMainObject() {
    var map = [Int](repeating: 0, count: 32 * 32)
    #expect(mainObject(map) == nil)
    for p in 0..<5 { map[p] = 3 }  // five pixels: fewer than six
    #expect(mainObject(map) == nil)
    map[5] = 3
    #expect(mainObject(map)?.pixels == 6)
  }

  @Test func layoutIoUCountsObjectPixelsOfAnyClass() {
    // Object pixels: drawn {0, 1, 2}, truth {1, 2, 3}: 2 shared of 4.
    let drawn = [1, 2, 2, 0, 0], truth = [0, 5, 5, 5, 0]
    #expect(layoutIoU(drawn, truth) == 0.5)
    #expect(layoutIoU(truth, truth) == 1)
    #expect(layoutIoU([0, 0], [0, 0]) == 1)
  }

  @Test func objectClassIoUAveragesTheTruthsClasses() {
    // Class 5: drawn {1, 2}, truth {1, 2, 3} → 2/3. Class 7: drawn {}, truth {4} → 0.
    let drawn = [0, 5, 5, 0, 0], truth = [0, 5, 5, 5, 7]
    #expect(abs(objectClassIoU(drawn, truth) - 1.0 / 3) < 1e-12)
    #expect(objectClassIoU(truth, truth) == 1)
  }
}

@Suite("Reading a story's change")
struct StoryEvaluationTests {
  @Test func theTrueNextFrameShowsItsChangeAndThePreviousOneDoesNot() {
    let steps = HeldOutStoryStep.draw(200, seed: 6)
    var kinds = Set<String>()
    for step in steps {
      kinds.insert("\(step.event)".prefix { $0 != "(" }.description)
      #expect(step.isShown(in: step.after.segmentation()), "\(step.sentence)")
      #expect(!step.isShown(in: step.before.segmentation()), "\(step.sentence)")
    }
    #expect(kinds == ["moves", "appears", "disappears", "turns"])
  }
}
