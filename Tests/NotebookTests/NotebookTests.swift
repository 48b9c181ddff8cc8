import Platform
import Testing

@testable import Notebook

@Suite("Figures and files")
struct FigureTests {
  func temporaryPath(_ name: String) -> String { "/tmp/mmi-test-\(getpid())-\(name)" }

  @Test func pngRoundTripKeepsPixels() throws {
    var canvas = Canvas(width: 5, height: 4)
    canvas.set(x: 2, y: 3, Color(1, 2, 3))
    canvas.fill(x: 0, y: 0, width: 2, height: 2, .black)
    let path = temporaryPath("round.png")
    defer { unlink(path) }
    try canvas.writePNG(to: path)
    let back = try Canvas.readPNG(from: path)
    #expect(back.width == 5 && back.height == 4)
    #expect(back.pixels == canvas.pixels)
  }

  @Test func malformedPNGGivesAClearError() throws {
    let path = temporaryPath("bad.png")
    defer { unlink(path) }
    try writeTextFile("this is not a PNG", to: path)
    do {
      _ = try Canvas.readPNG(from: path)
      Issue.record("reading a text file as PNG should fail")
    } catch let error as PNGError {
      #expect(error.description.contains(path))
      #expect(error.description.contains("not a PNG file"))
    }
  }

  @Test func truncatedPNGGivesAClearError() throws {
    let path = temporaryPath("cut.png")
    defer { unlink(path) }
    var canvas = Canvas(width: 64, height: 64)
    for i in 0..<64 { canvas.set(x: i, y: i, Color(UInt8(i), 0, 255)) }
    try canvas.writePNG(to: path)
    truncate(path, 60)
    #expect(throws: PNGError.self) { _ = try Canvas.readPNG(from: path) }
  }

  @Test func writingIntoAMissingFolderFailsClearly() {
    #expect(throws: PNGError.self) {
      try Canvas(width: 2, height: 2).writePNG(to: "/nonexistent-folder/x.png")
    }
  }

  @Test func textIsDrawn() {
    var canvas = Canvas(width: 40, height: 20)
    canvas.text("Hi", x: 1, y: 1)
    #expect(canvas.pixels.contains(0))  // some black pixels
    #expect(Canvas.textWidth("Hi") == 22)
  }

  @Test func longCaptionsWrapInsteadOfRunningIntoTheirNeighbours() {
    let images = [[Float]](repeating: [Float](repeating: 0.5, count: 8 * 8 * 3), count: 2)
    let short = Canvas.imageSheet(
      images, width: 8, height: 8, columns: 2, zoom: 8, captions: ["red", "blue"])
    let long = Canvas.imageSheet(
      images, width: 8, height: 8, columns: 2, zoom: 8,
      captions: ["a big red circle", "a small blue square"])
    #expect(long.width == short.width)  // the cells keep their width…
    #expect(long.height > short.height)  // …and the captions take more lines
    // Nothing is drawn in the gap between the two cells' captions.
    let gap = 6 + 8 * 8 + 6  // halfway between the two images
    let captionRows = (6 + 8 * 8 + 6)..<long.height
    #expect(captionRows.allSatisfy { long.color(x: gap, y: $0) == .white })
  }

  @Test func drawingOffTheCanvasIsClipped() {
    var canvas = Canvas(width: 10, height: 10)
    canvas.fill(x: -30, y: -30, width: 5, height: 5, .black)  // entirely outside
    canvas.fill(x: 8, y: 8, width: 50, height: 50, .black)  // partly outside
    canvas.text("a caption far too wide", x: -200, y: 2)
    #expect(canvas.color(x: 9, y: 9) == .black && canvas.color(x: 0, y: 0) == .white)
  }

  @Test func everyPrintableASCIICharacterHasAGlyph() {
    for code in 32...126 {
      #expect(PixelFont.glyphs[UInt32(code)]?.count == 14, "character \(code)")
    }
  }

  @Test func chartWritesPNGAndCSV() throws {
    var chart = LineChart(title: "t", xLabel: "x", yLabel: "y")
    chart.add("a", values: [3, 2, 1])
    chart.logScaleY = true
    let path = temporaryPath("chart.png")
    let csv = String(path.dropLast(4)) + ".csv"
    defer {
      unlink(path)
      unlink(csv)
    }
    try chart.save(to: path)
    let back = try Canvas.readPNG(from: path)
    #expect(back.width == chart.width)
    let file = fopen(csv, "r")
    #expect(file != nil)
    if let file { fclose(file) }
  }

  @Test func niceAxisTicks() {
    let axis = Axis(0.3, 9.2, logarithmic: false)
    #expect(axis.ticks == [0, 2, 4, 6, 8, 10])
    let logAxis = Axis(-1.5, 0.4, logarithmic: true)
    #expect(logAxis.ticks == [-2, -1, 0, 1])
  }
}

@Suite("Transcript helpers")
struct TranscriptTests {
  @Test func durations() {
    #expect(formattedDuration(1.5) == "1.5 s")
    #expect(formattedDuration(0.01234) == "12.34 ms")
    #expect(formattedDuration(4.5e-6) == "4.5 µs")
  }

  @Test func roundedInterpolation() {
    let x: Float = 0.123456
    #expect("loss \(rounded: x)" == "loss 0.1235")
  }

  @Test func kernelFamilyIsTheFastestTheCPUCanRun() {
    let avx2: Set<String> = ["sse4_2", "avx", "avx2", "fma"]
    let avx512 = avx2.union(["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"])
    #expect(kernelFamily(cpuFlags: avx512) == "SkylakeX")
    #expect(kernelFamily(cpuFlags: avx2) == "Haswell")
    // AVX-512's foundation alone (Knights Landing) is not SkylakeX's set.
    #expect(kernelFamily(cpuFlags: avx2.union(["avx512f", "avx512cd"])) == "Haswell")
    #expect(kernelFamily(cpuFlags: ["sse2", "avx"]) == nil)
  }

  @Test func chapterOptionsRejectBadFlags() {
    #expect(throws: (any Error).self) { try ChapterOptions.parse(["--threads", "0"]) }
    #expect(throws: (any Error).self) { try ChapterOptions.parse(["--sed", "1"]) }
    let options = try? ChapterOptions.parse(["--full", "--seed", "7"])
    #expect(options?.full == true && options?.seed == 7)
  }
}

/// What a reader sees when a chapter cannot start: one message that names the chapter,
/// what is wrong and what to do, and a non-zero exit.
@Suite("Chapter start: clear messages")
struct ChapterStartMessages {
  @Test func aBadFlagNamesTheChapterAndTheHelp() async {
    await #expect(processExitsWith: .exitCode(64), observing: [\.standardErrorContent]) {
      _ = Chapter.parsedOptions(executable: "Chapter04", ["--seed", "abc"])
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(
        text.contains("Chapter04: The value 'abc' is invalid for '--seed <seed>'")
          && text.contains("swift run -c release Chapter04 --help"), "\(text)")
    }
  }

  @Test func anUnwritableFolderIsNamed() {
    let problem = writeProblem(folder: "/dev/null/figures")
    #expect(problem?.contains("cannot be created") == true)
    #expect(writeProblem(folder: "/tmp") == nil)
  }

  @Test func orStopPrintsTheErrorAndExits() async {
    struct Missing: Error, CustomStringConvertible {
      var description: String { "This chapter needs the encoder Chapter 3 saves." }
    }
    await #expect(processExitsWith: .exitCode(1), observing: [\.standardErrorContent]) {
      let _: Int = orStop { throw Missing() }
    }.map { result in
      let text = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(text == "This chapter needs the encoder Chapter 3 saves.\n")
    }
  }
}
