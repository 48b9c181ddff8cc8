import Foundation
import Testing

@testable import BookBuilder

@Suite("Literate chapters become Markdown")
struct LiterateSourceTests {
  let chapter = """
    /*:
    # Title
    Some prose.
    */
    import Notebook
    let x = 1
    show(x)
    //: More prose, with a region:
    //: @code(sample)
    func helper() -> Int {
      show("from a helper")
      return 2
    }
    show(helper())
    """

  @Test func splitsProseAndCodeWithLineNumbers() throws {
    let source = try LiterateSource(chapter)
    #expect(source.cells.count == 4)
    #expect(source.cells[0] == .prose("# Title\nSome prose.", lines: 1...4))
    #expect(source.cells[1] == .code("import Notebook\nlet x = 1\nshow(x)", lines: 5...7))
    guard case .prose(let text, _) = source.cells[2] else {
      Issue.record("expected prose")
      return
    }
    #expect(text == "More prose, with a region:\n@code(sample)")
    #expect(source.declarations == [10...13])
  }

  @Test func adjacentProseBlocksStaySeparateParagraphs() throws {
    // A heading that opens a second block must not run into the first one's last line.
    let source = try LiterateSource("/*:\nLast line.\n*/\n/*:\n## Heading\n*/\nlet x = 1")
    #expect(source.cells[0] == .prose("Last line.\n\n## Heading", lines: 1...6))
  }

  @Test func placesOutputUnderTheCellThatPrintedIt() throws {
    let source = try LiterateSource(chapter)
    var regions = Regions()
    try regions.scan(
      "x\n  // MARK: book:sample\n  let y = 2\n  // MARK: end\n", file: "Sources/A.swift")
    var page = try ChapterPage(
      source: source, transcript: "\u{1E}7\u{1F}1\n\u{1E}14\u{1F}2\n", chapter: "Test")
    let markdown = try page.markdown(regions: regions)
    #expect(markdown.contains("show(x)\n```\n\n```{.output}\n1\n```"))
    #expect(markdown.contains("```swift\nlet y = 2\n```"))
    #expect(markdown.contains("show(helper())\n```\n\n```{.output}\n2\n```"))
    #expect(page.usedRegions == ["sample"])
  }

  /// The PyTorch twin's regions are Python, marked with `#`, and shown as Python.
  @Test func pythonRegionsAreMarkedWithHashAndShownAsPython() throws {
    let source = try LiterateSource(chapter)
    var regions = Regions()
    try regions.scan(
      "x = 1\n    # MARK: book:sample\n    y = 2\n    # MARK: end\n// MARK: book:no\n",
      file: "Reference/a.py")
    #expect(regions.byName["sample"]?.language == "python")
    #expect(regions.byName["no"] == nil)  // a Swift marker means nothing in Python
    var page = try ChapterPage(
      source: source, transcript: "\u{1E}7\u{1F}1\n", chapter: "Test")
    #expect(try page.markdown(regions: regions).contains("```python\ny = 2\n```"))
    #expect(throws: BookError.self) {
      var unclosed = Regions()
      try unclosed.scan("# MARK: book:open\ny = 2\n", file: "Reference/b.py")
    }
  }

  @Test func markdownLinesBecomeMarkdownNotOutput() throws {
    let source = try LiterateSource(chapter)
    var page = try ChapterPage(
      source: source,
      transcript:
        "\u{1E}7\u{1F}before\n\u{1E}7\u{1F}\u{1D}| a |\n\u{1E}7\u{1F}\u{1D}|---|\n",
      chapter: "Test")
    var regions = Regions()
    try regions.scan("// MARK: book:sample\nlet y = 2\n// MARK: end\n", file: "A.swift")
    let markdown = try page.markdown(regions: regions)
    #expect(markdown.contains("```{.output}\nbefore\n```\n\n| a |\n|---|"))
  }

  /// Two tables printed one after the other stay two tables (a blank line between).
  @Test func consecutiveTablesAreSeparated() throws {
    let source = try LiterateSource(chapter)
    let table =
      "\u{1E}7\u{1F}\u{1D}| a |\n\u{1E}7\u{1F}\u{1D}|---|\n\u{1E}7\u{1F}\u{1D}| 1 |\n"
    var page = try ChapterPage(source: source, transcript: table + table, chapter: "Test")
    var regions = Regions()
    try regions.scan("// MARK: book:sample\nlet y = 2\n// MARK: end\n", file: "A.swift")
    let markdown = try page.markdown(regions: regions)
    #expect(markdown.contains("| a |\n|---|\n| 1 |\n\n| a |\n|---|\n| 1 |"))
  }

  @Test func rejectsOutputFromInsideADeclaration() throws {
    let source = try LiterateSource(chapter)
    #expect(throws: BookError.self) {
      _ = try ChapterPage(
        source: source, transcript: "\u{1E}11\u{1F}from a helper\n", chapter: "Test")
    }
  }

  @Test func rejectsUnmarkedOutput() throws {
    let source = try LiterateSource(chapter)
    #expect(throws: BookError.self) {
      _ = try ChapterPage(
        source: source, transcript: "printed with print\n", chapter: "T")
    }
  }

  @Test func missingRegionFailsTheBuild() throws {
    let source = try LiterateSource(chapter)
    var page = try ChapterPage(source: source, transcript: "", chapter: "Test")
    #expect(throws: BookError.self) { _ = try page.markdown(regions: Regions()) }
  }

  @Test func fullRunRecordsAreIncludedAndMissingOnesNamed() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("fullrun-\(UInt32.random(in: 0...UInt32.max))").path
    try FileManager.default.createDirectory(
      atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let page = try ChapterPage(
      source: try LiterateSource(chapter), transcript: "", chapter: "Test")
    do {
      _ = try page.fullRunRecord("ch05-table", in: folder)
      Issue.record("a missing record must fail the build")
    } catch let error as BookError {
      #expect("\(error)".contains("Chapter05 --full"))
    }
    try "| a |\n|---|\n| 1 |\n".write(
      toFile: folder + "/ch05-table.md", atomically: true, encoding: .utf8)
    let text = try page.fullRunRecord("ch05-table", in: folder)
    #expect(text.hasPrefix("**From the full run**"))
    #expect(text.hasSuffix("| a |\n|---|\n| 1 |\n"))
    try "![a figure](\(folder)/missing.png)\n".write(
      toFile: folder + "/ch05-figure.md", atomically: true, encoding: .utf8)
    #expect(throws: BookError.self) {
      _ = try page.fullRunRecord("ch05-figure", in: folder)
    }
  }

  @Test func recordsOfOtherCommandsAndAppendicesNameTheirMaker() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("records-\(UInt32.random(in: 0...UInt32.max))").path
    try FileManager.default.createDirectory(
      atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let page = try ChapterPage(
      source: try LiterateSource(chapter), transcript: "", chapter: "Test")
    for (name, command, expected) in [
      ("appA-table", nil, "AppendixA --full"),
      ("appA-peer", "make bench-peer", "`make bench-peer`"),
    ] {
      do {
        _ = try page.fullRunRecord(name, in: folder, recordedBy: command)
        Issue.record("a missing record must fail the build")
      } catch let error as BookError {
        #expect("\(error)".contains(expected), "\(error)")
      }
    }
    try "| a |\n|---|\n| 1 |\n".write(
      toFile: folder + "/appA-peer.md", atomically: true, encoding: .utf8)
    let text = try page.fullRunRecord(
      "appA-peer", in: folder, recordedBy: "make bench-peer")
    #expect(text.hasPrefix("**Measured by `make bench-peer`**"), "\(text)")
    // In prose, the command follows the record's name after a comma.
    var prose = try ChapterPage(
      source: try LiterateSource(chapter), transcript: "", chapter: "Test")
    #expect(throws: BookError.self) {
      _ = try prose.prose("@fullrun(appA-missing, make something)", regions: Regions())
    }
  }

  @Test func consecutiveFullRunRecordsShareOneHeading() throws {
    // Uses the repository's own Results/ (the tests run from the package root).
    var page = try ChapterPage(
      source: try LiterateSource(chapter), transcript: "", chapter: "Test")
    let text = try page.prose(
      "@fullrun(ch04-probes)\n\n@fullrun(ch04-bottleneck)\n\nProse.\n\n"
        + "@fullrun(ch04-probes)", regions: Regions())
    #expect(text.components(separatedBy: "**From the full run**").count - 1 == 2)
  }

  @Test func regionErrors() {
    var regions = Regions()
    #expect(throws: BookError.self) {
      try regions.scan("// MARK: book:a\nlet x = 1\n", file: "open.swift")
    }
    #expect(throws: BookError.self) {
      try regions.scan("// MARK: end\n", file: "stray.swift")
    }
    var twice = Regions()
    #expect(throws: BookError.self) {
      try twice.scan("// MARK: book:a\n// MARK: end\n", file: "one.swift")
      try twice.scan("// MARK: book:a\n// MARK: end\n", file: "two.swift")
    }
  }

  @Test func timingLinesAreSetAside() {
    #expect(withoutTimings("a\n⏱ 3 ms\nb") == "a\nb")
    #expect(firstDifference("a\nb", "a\nc") != nil)
    #expect(firstDifference("a\nb", "a\nb") == nil)
  }

  @Test func tokensInTablesStayLiteral() {
    let table = """
      | sampler | text |
      |---|---|
      | T = 1.5 | a big<pad> square</s> |
      | compare | 1 < 2 and \\<s> already escaped |
      """
    let escaped = literalTags(table).split(separator: "\n").map(String.init)
    #expect(escaped[2] == "| T = 1.5 | a big\\<pad> square\\</s> |")
    #expect(escaped[3] == "| compare | 1 < 2 and \\<s> already escaped |")
    #expect(literalTags("prose with <em>tags</em>") == "prose with <em>tags</em>")
  }
}

/// The checks that keep a broken page out of the built book.
@Suite("The formats' checks")
struct FormatChecksTests {
  @Test func aMissingGlyphOrALineIntoTheMarginFailsThePDF() throws {
    let clean = "Overfull \\hbox (2.1pt too wide) in paragraph at lines 1--2\n x\n"
    try BookFormats.checkLaTeXLog(clean)  // a table cell's point or two: invisible
    #expect(throws: BookError.self) {
      try BookFormats.checkLaTeXLog("Missing character: There is no ⏱ in font x!\n")
    }
    #expect(throws: BookError.self) {
      try BookFormats.checkLaTeXLog(
        "Overfull \\hbox (25.7pt too wide) in paragraph at lines 3--4\n long\n")
    }
  }

  @Test func aLinkToNowhereOrAFileBesideThePageFailsTheHTML() throws {
    let good =
      ##"<a href="#intro">x</a><h1 id="intro">I</h1><math></math>"##
      + ##"<img src="data:image/png;base64,AAAA">"##
    try BookFormats.checkHTML(good)
    #expect(throws: BookError.self) {
      try BookFormats.checkHTML(##"<a href="#missing">x</a><math></math>"##)
    }
    #expect(throws: BookError.self) {
      try BookFormats.checkHTML(##"<img src="Figures/ch01-loss.png"><math></math>"##)
    }
    #expect(throws: BookError.self) { try BookFormats.checkHTML("<p>no equations</p>") }
  }
}

/// The teacher's edition's solutions appendix.
@Suite("The solutions appendix")
struct SolutionsTests {
  @Test func answersAndCodeGoUnderTheirPart() throws {
    let answers =
      "# Answers\n\nIntro.\n\n## Chapter 5\n\n1. Because.\n\n## Appendix A\n\n1. So.\n"
    let markdown = try Solutions.markdown(answers: answers) { folder in
      folder == "Chapter05" ? "let x = 1\n" : nil
    }
    #expect(markdown.hasPrefix("# Solutions"))
    #expect(!markdown.contains("Intro."))  // the file's own introduction stays out
    #expect(markdown.contains("## Chapter 5\n\n**Questions.**\n\n1. Because."))
    #expect(markdown.contains("`Exercises/Solutions/Chapter05.swift`"))
    #expect(markdown.contains("```swift\nlet x = 1\n```"))
    #expect(markdown.contains("## Appendix A\n\n**Questions.**\n\n1. So."))
    #expect(Solutions.folderName("Chapter 10") == "Chapter10")
    #expect(Solutions.folderName("Appendix B") == "AppendixB")
    #expect(throws: BookError.self) {
      _ = try Solutions.markdown(answers: "no sections") { _ in nil }
    }
  }
}

/// The preface's generated parts.
@Suite("The preface")
struct PrefaceTests {
  @Test func markersBecomeTheTimesAndTheDoctorsOutput() throws {
    let table = Preface.timesTable([
      ("Chapter01", "Tensors", 1.25), ("AppendixB", "Scale", 42),
    ])
    #expect(table.contains("| 1 | Tensors | 1.2 s |"))
    #expect(table.contains("| B | Scale | 42 s |"))
    let page = try Preface.expanded(
      "Intro.\n@chapter-times\nText.\n  @doctor\n", times: table, doctor: "CPU  x\n")
    #expect(page.contains("Intro.\n| part |"))
    #expect(page.contains("```\nCPU  x\n```"))
    #expect(!page.contains("@doctor"))
    #expect(throws: BookError.self) {
      _ = try Preface.expanded("No markers.", times: nil, doctor: "")
    }
    #expect(
      Preface.title(ofChapterMarkdown: "x\n# Tensors and autograd {#ch1}\ntext")
        == "Tensors and autograd")
  }
}
