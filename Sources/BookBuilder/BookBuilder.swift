import ArgumentParser
import Foundation
import Notebook

/// Builds the book from the literate chapters, and checks chapter transcripts.
@main
struct BookBuilder: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Turns the literate chapters into the book, or checks their transcripts.",
    subcommands: [Build.self, CheckTranscripts.self], defaultSubcommand: Build.self)
}

struct CommonOptions: ParsableArguments {
  @Option(help: "Folder holding the release chapter executables.")
  var binPath = ".build/release"

  @Option(help: "Only these chapters (e.g. Chapter01, AppendixA); all by default.")
  var chapters: [String] = []

  /// The chapters in order, then the appendices in order.
  func chapterNames() throws -> [String] {
    let folders = try FileManager.default.contentsOfDirectory(atPath: "Chapters")
    let all =
      folders.filter { $0.hasPrefix("Chapter") }.sorted()
      + folders.filter { $0.hasPrefix("Appendix") }.sorted()
    return chapters.isEmpty ? all : chapters
  }
}

struct Build: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run every chapter (quick size) and build book/out/*.pdf and *.html.")

  @OptionGroup var common: CommonOptions

  @Flag(help: "Write the Markdown but skip pandoc.")
  var markdownOnly = false

  @Flag(help: "Skip the chapters: make the formats from the last build's Markdown.")
  var formatsOnly = false

  func run() throws {
    if formatsOnly {
      let files = try common.chapterNames().map { "book/build/\($0).md" }
      for file in files where !FileManager.default.fileExists(atPath: file) {
        throw BookError("\(file) is missing: build the book once without --formats-only")
      }
      try runPandoc(chapters: files)
      return
    }
    let regions = try collectRegions()
    var used = Set<String>()
    var files: [String] = []
    var times: [(chapter: String, title: String, seconds: Double)] = []
    try FileManager.default.createDirectory(
      atPath: "book/build",
      withIntermediateDirectories: true)
    for name in try common.chapterNames() {
      let started = Date()
      let text = try String(
        contentsOfFile: "Chapters/\(name)/main.swift", encoding: .utf8)
      let source = try LiterateSource(text)
      let run = try runChapter(name, binPath: common.binPath, markers: true)
      var page = try ChapterPage(source: source, transcript: run, chapter: name)
      let markdown = try page.markdown(regions: regions)
      try checkFigures(page.figures, writtenAfter: started, chapter: name)
      used.formUnion(page.usedRegions)
      let file = "book/build/\(name).md"
      try markdown.write(toFile: file, atomically: true, encoding: .utf8)
      files.append(file)
      times.append(
        (
          name, Preface.title(ofChapterMarkdown: markdown),
          Date().timeIntervalSince(started)
        ))
      print("  \(name): \(source.cells.count) cells, \(page.figures.count) figures")
    }
    let unused = Set(regions.byName.keys).subtracting(used).sorted()
    guard unused.isEmpty || !common.chapters.isEmpty else {
      throw BookError(
        "regions never shown in a chapter: \(unused.joined(separator: ", "))"
          + " (include them with @code(name) or remove their MARK lines)")
    }
    if common.chapters.isEmpty {
      try Preface.timesTable(times).write(
        toFile: Preface.timesFile, atomically: true, encoding: .utf8)
    }
    try writeMetadata()
    if !markdownOnly { try runPandoc(chapters: files) }
  }

  func collectRegions() throws -> Regions {
    var regions = Regions()
    // The library, and the PyTorch twin's Python (Appendix B shows it beside ours).
    for (folder, suffix) in [("Sources", ".swift"), ("Reference", ".py")] {
      let enumerator = FileManager.default.enumerator(atPath: folder)
      while let path = enumerator?.nextObject() as? String {
        guard path.hasSuffix(suffix) else { continue }
        let file = "\(folder)/\(path)"
        try regions.scan(try String(contentsOfFile: file, encoding: .utf8), file: file)
      }
    }
    return regions
  }

  func checkFigures(_ figures: [String], writtenAfter start: Date, chapter: String) throws
  {
    for figure in figures {
      let attributes = try? FileManager.default.attributesOfItem(atPath: figure)
      guard let modified = attributes?[.modificationDate] as? Date else {
        throw BookError("\(chapter) shows \(figure), but the chapter did not write it")
      }
      guard modified >= start.addingTimeInterval(-1) else {
        throw BookError(
          "\(chapter) shows \(figure), but this run did not rewrite it "
            + "(a stale figure)")
      }
    }
  }

  func writeMetadata() throws {
    let revision =
      (try? shell("git", ["describe", "--always", "--dirty"]))?.trimmed
      ?? "unknown"
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyy-MM-dd"
    let yaml = """
      ---
      date: "Built \(formatter.string(from: Date())) from revision \(revision)"
      ---

      """
    try yaml.write(toFile: "book/build/revision.yaml", atomically: true, encoding: .utf8)
  }

  /// Two editions: the reader's (PDF, HTML, EPUB), and the teacher's (PDF, HTML),
  /// which adds the guide for teachers in front and the solutions at the back.
  func runPandoc(chapters: [String]) throws {
    try FileManager.default.createDirectory(
      atPath: "book/out",
      withIntermediateDirectories: true)
    let doctor = try execute("\(common.binPath)/Doctor", [])
    try Preface.expanded(
      try String(contentsOfFile: "book/preface.md", encoding: .utf8),
      times: try? String(contentsOfFile: Preface.timesFile, encoding: .utf8),
      doctor: doctor.output
    ).write(toFile: "book/build/preface.md", atomically: true, encoding: .utf8)
    let front = [
      "book/metadata.yaml", "book/build/revision.yaml", "book/build/preface.md",
    ]
    // Citations ([@key]) resolve against book/references.bib; the list is printed
    // where book/references.md puts it, after the last appendix.
    // Swift is coloured by the book's own grammar (book/syntax/swift.xml says why).
    let common = [
      "--from", "markdown", "--toc", "--number-sections",
      "--lua-filter", "book/filters/book.lua", "--resource-path", ".",
      "--citeproc", "--bibliography", "book/references.bib",
      "--syntax-definition", "book/syntax/swift.xml",
    ]
    // Print numbers the parts after `\appendix` as appendices: A, B, … (a file of its
    // own, before the first appendix, so that no chapter's Markdown depends on which
    // chapters a build ran).
    let appendices = "book/build/appendices.md"
    try "```{=latex}\n\\appendix\n```\n".write(
      toFile: appendices, atomically: true, encoding: .utf8)
    var parts = chapters
    if let first = parts.firstIndex(where: { $0.contains("Appendix") }) {
      parts.insert(appendices, at: first)
    }
    // Print numbers the front matter (contents, preface, the teacher's guide) in roman
    // numerals, as books do, and the chapters from an arabic 1 (book/latex/header.tex
    // starts the roman count).
    let mainMatter = "book/build/mainmatter.md"
    try "```{=latex}\n\\cleardoublepage\n\\pagenumbering{arabic}\n```\n".write(
      toFile: mainMatter, atomically: true, encoding: .utf8)
    parts.insert(mainMatter, at: 0)
    // The references, then (in print) the index of book/index-terms.txt's terms.
    let back = ["book/references.md", "book/index.md"]
    let reader = BookFormats(
      name: "mm-interleaved-from-scratch", inputs: front + parts + back, common: common)
    for path in [try reader.pdf(), try reader.html(), try reader.epub()] {
      print("  wrote \(path) (checked)")
    }
    let solutions = "book/build/Solutions.md"
    try Solutions.markdown(
      answers: try String(
        contentsOfFile: "Exercises/Solutions/Answers.md", encoding: .utf8),
      solutionCode: {
        try? String(
          contentsOfFile: "Exercises/Solutions/\($0).swift", encoding: .utf8)
      }
    ).write(toFile: solutions, atomically: true, encoding: .utf8)
    let teacher = BookFormats(
      name: "mm-interleaved-from-scratch-teacher",
      inputs: front + ["book/teachers-guide.md"] + parts
        + (parts.contains(appendices) ? [] : [appendices]) + [solutions] + back,
      common: common + [
        "--metadata", "subtitle=The teacher's edition, with a guide and the solutions",
      ])
    for path in [try teacher.pdf(), try teacher.html()] {
      print("  wrote \(path) (checked)")
    }
  }
}

struct CheckTranscripts: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check-transcripts",
    abstract: "Run every chapter's quick size and compare with Transcripts/*.txt.")

  @OptionGroup var common: CommonOptions

  @Flag(help: "Write the current transcripts as the expected ones.")
  var bless = false

  /// The kernel family the expected transcripts were made with; a chapter whose
  /// transcript was made with another has its own file, `Transcripts/ChapterNN.kernels`
  /// (a chapter written on a CPU that cannot run the book's family).
  static let familyFile = "Transcripts/KERNELS"

  static func chapterFamilyFile(_ name: String) -> String {
    "Transcripts/\(name).kernels"
  }

  func run() throws {
    let family = runKernelFamily() ?? "OpenBLAS's own choice"
    let recorded = (try? String(contentsOfFile: Self.familyFile, encoding: .utf8))?
      .trimmed
    if bless && common.chapters.isEmpty {
      try (family + "\n").write(
        toFile: Self.familyFile, atomically: true, encoding: .utf8)
    }
    let bookFamily = bless && common.chapters.isEmpty ? family : recorded
    var failed: [String] = [], skipped: [String] = []
    for name in try common.chapterNames() {
      let own = Self.chapterFamilyFile(name)
      let made =
        (try? String(contentsOfFile: own, encoding: .utf8))?.trimmed ?? bookFamily
      let output = try runChapter(name, binPath: common.binPath, markers: false)
      if !bless, let made, made != family {
        // Other kernels sum in another order: every trained number would differ in
        // its last digits, so a comparison would only report that. The chapter still
        // runs: it must not fail, and later chapters read what it saves.
        skipped.append("\(name) (\(made))")
        continue
      }
      let transcript = withoutTimings(output)
      let expectedFile = "Transcripts/\(name).txt"
      if bless {
        try FileManager.default.createDirectory(
          atPath: "Transcripts",
          withIntermediateDirectories: true)
        try transcript.write(toFile: expectedFile, atomically: true, encoding: .utf8)
        if family == bookFamily {
          try? FileManager.default.removeItem(atPath: own)
        } else {
          try (family + "\n").write(toFile: own, atomically: true, encoding: .utf8)
        }
        print("  \(name): blessed \(expectedFile) (\(family) kernels)")
        continue
      }
      guard let expected = try? String(contentsOfFile: expectedFile, encoding: .utf8)
      else {
        throw BookError(
          "\(expectedFile) is missing: run `make bless` once the chapter "
            + "prints what it should")
      }
      if let difference = firstDifference(expected, transcript) {
        print("  \(name): transcript differs from \(expectedFile)\n\(difference)")
        failed.append(name)
      } else {
        print("  \(name): transcript matches \(expectedFile)")
      }
    }
    if !skipped.isEmpty {
      print(
        "  ran but not compared, made with other OpenBLAS kernels than this CPU's "
          + "\(family) (OPENBLAS_CORETYPE=<family> runs them where the CPU can): "
          + skipped.joined(separator: ", ") + ".")
    }
    guard failed.isEmpty else {
      throw BookError(
        "transcripts differ: \(failed.joined(separator: ", ")). If the change "
          + "is intended, run `make bless` and commit the new transcripts.")
    }
  }
}

/// The transcript without its ⏱ timing lines (they differ between runs).
func withoutTimings(_ output: String) -> String {
  output.split(separator: "\n", omittingEmptySubsequences: false)
    .filter { !$0.hasPrefix("⏱") }.joined(separator: "\n")
}

/// The first differing line of two texts, shown as expected/actual; nil if equal.
func firstDifference(_ expected: String, _ actual: String) -> String? {
  let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
  let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
  for i in 0..<max(a.count, b.count) {
    let x = i < a.count ? String(a[i]) : "<end>", y = i < b.count ? String(b[i]) : "<end>"
    if x != y { return "    line \(i + 1)\n    expected: \(x)\n    actual:   \(y)" }
  }
  return nil
}

/// Runs a chapter's release executable (quick size) and returns its stdout.
func runChapter(_ name: String, binPath: String, markers: Bool) throws -> String {
  let executable = "\(binPath)/\(name)"
  guard FileManager.default.isExecutableFile(atPath: executable) else {
    throw BookError("\(executable) not found: build first (swift build -c release)")
  }
  var environment = ProcessInfo.processInfo.environment
  if markers { environment["MMI_BOOK_MARKERS"] = "1" }
  let (status, output, errors) = try execute(executable, [], environment: environment)
  guard status == 0 else {
    throw BookError("\(name) exited with status \(status):\n\(errors)")
  }
  return output
}

func shell(_ command: String, _ arguments: [String]) throws -> String {
  try execute(command, arguments).output
}

/// Runs a program, returning its exit status, stdout and stderr.
func execute(
  _ command: String, _ arguments: [String], environment: [String: String]? = nil
) throws -> (status: Int32, output: String, errors: String) {
  let process = Process()
  process.executableURL = URL(
    fileURLWithPath: command.contains("/")
      ? command : "/usr/bin/env")
  process.arguments = command.contains("/") ? arguments : [command] + arguments
  if let environment { process.environment = environment }
  let out = Pipe(), err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  // Read both pipes while the process runs, so a full pipe cannot block it.
  nonisolated(unsafe) var errorData = Data()
  let group = DispatchGroup()
  group.enter()
  DispatchQueue.global().async {
    errorData = err.fileHandleForReading.readDataToEndOfFile()
    group.leave()
  }
  let outputData = out.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  process.waitUntilExit()
  return (
    process.terminationStatus, String(decoding: outputData, as: UTF8.self),
    String(decoding: errorData, as: UTF8.self)
  )
}
