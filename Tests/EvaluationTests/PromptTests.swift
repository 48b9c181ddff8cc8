import Autograd
import Interleaved
import Language
import Testing

@testable import Evaluation

@Suite("A reader's prompt, and the page of what the model wrote")
struct PromptTests {
  let tokenizer = BPETokenizer()  // bytes only: ids are the text's bytes

  @Test func markersBecomeImagesAndTextBecomesTokens() throws {
    let prompt = try InterleavedPrompt("caption: <image> a <image>", tokenizer: tokenizer)
    #expect(
      prompt.items == [
        .text(Array("caption:".utf8).map(Int.init)), .image,
        .text(Array(" a".utf8).map(Int.init)), .image,
      ])
    #expect(prompt.imageCount == 2 && prompt.unknownCharacters.isEmpty)
  }

  @Test func charactersTheWorldNeverWritesAreKeptAndNamed() throws {
    let prompt = try InterleavedPrompt("Draw: a red é <image>", tokenizer: tokenizer)
    #expect(prompt.unknownCharacters == ["D", "é"])
    #expect(prompt.unknownCharactersNote.contains("write in lower case"))
    // Kept as bytes: é is two of them.
    #expect(prompt.items.first == .text(Array("Draw: a red é".utf8).map(Int.init)))
  }

  @Test func theDigitsDocumentsUseOnlyTheWorldsCharacters() {
    let known = InterleavedPrompt.worldCharacters
    #expect("the digit 0123456789, then".allSatisfy { known.contains($0) })
  }

  @Test func structuralTokensAndEmptyPromptsAreClearErrors() {
    for text in ["<s> a", "a </s>", "<img>", "<pad>"] {
      let error = #expect(throws: GenerationError.self) {
        _ = try InterleavedPrompt(text, tokenizer: tokenizer)
      }
      #expect(error?.description.contains("write <image> where an image goes") == true)
    }
    #expect(throws: GenerationError.self) {
      _ = try InterleavedPrompt("   ", tokenizer: tokenizer)
    }
  }

  /// A document whose prompt asked for its last image: the page shows the prompt's
  /// text, then the drawn image and the new text as the model's, escaped.
  @Test func thePageMarksWhatTheModelAddedAndEscapesText() {
    let ids = { (text: String) in Array(text.utf8).map(Int.init) }
    let document = GeneratedDocument(
      prompt: [.text(ids("draw: <b>")), .image], givenImages: 0,
      items: [.text(ids("draw: <b>")), .image, .text(ids(" ok"))],
      images: [Tensor.zeros([3, 32, 32])],
      events: [.image(index: 0)] + ids(" ok").map { .token($0) } + [.end])
    #expect(
      document.pieces(tokenizer) == [
        .text("draw: <b>", new: false), .image(index: 0, drawn: true),
        .text(" ok", new: true),
      ])
    #expect(document.transcript(tokenizer) == "draw: <b> ⟶ [image 1, drawn] ok")
    let page = document.html(
      tokenizer, imageFiles: ["image-1.png"], title: "t", settings: "s")
    #expect(page.contains("<span class=\"prompt\">draw: &lt;b&gt;</span>"))
    #expect(page.contains("<figure class=\"new\"><img src=\"image-1.png\""))
    #expect(page.contains("<span class=\"new\"> ok</span>"))
  }
}

@Suite("What the loop did, in runs")
struct ModeTests {
  @Test func runsOfTheSameModeAreCounted() {
    let document = GeneratedDocument(
      prompt: [.text([5])], givenImages: 0, items: [], images: [],
      events: [.token(6), .token(7), .image(index: 0), .token(8), .end])
    #expect(document.modes == "text ×2 → image → text → end")
  }
}
