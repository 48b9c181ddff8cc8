import ArgumentParser
import Autograd

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The command-line flags every chapter understands.
public struct ChapterOptions: ParsableArguments {
  @Flag(help: "Run the full size (minutes) instead of the quick one (seconds).")
  public var full = false

  @Option(help: "Seed of the random generator (the same seed gives the same run).")
  public var seed: UInt64 = 1

  @Option(help: "BLAS threads (1 is fastest on a busy 2-core machine).")
  public var threads: Int = 1

  @Option(
    name: .customLong("check-exercise"),
    help: "Check your answer to exercise N instead of running the chapter.")
  public var exercise: Int?

  @Option(help: "Folder the chapter writes its figures to.")
  public var figures: String = "Figures"

  public init() {}

  public mutating func validate() throws {
    guard threads >= 1 else {
      throw ValidationError("--threads must be at least 1, got \(threads)")
    }
  }
}

/// A running chapter: its options, its random generator, where its figures go.
public struct Chapter {
  public let number: Int
  public let options: ChapterOptions
  public var generator: SeededGenerator

  /// Parses the command line (exits with a message on a bad flag), configures BLAS,
  /// warns on a debug build, and prints the chapter's first line.
  public static func begin(
    number: Int, title: String, arguments: [String]? = nil, line: UInt = #line
  ) -> Chapter {
    let options = ChapterOptions.parseOrExit(arguments)
    Engine.configure(threads: options.threads)
    warnIfDebugBuild()
    let chapter = Chapter(
      number: number, options: options,
      generator: SeededGenerator(seed: options.seed))
    if options.exercise == nil {
      show(
        "Chapter \(number): \(title) · \(options.full ? "full" : "quick") size"
          + " · seed \(options.seed)", line: line)
    }
    return chapter
  }

  /// The quick value or the full one, by the `--full` flag.
  public func size<T>(quick: T, full: T) -> T { options.full ? full : quick }

  /// The folder of results recorded by full runs, for the book's `@fullrun(name)`.
  public static let resultsFolder = "Results"

  /// Full runs only: records `markdown` as `Results/chNN-name.md`, which the book
  /// includes where the prose says `@fullrun(chNN-name)`. The book is built from quick
  /// runs; this is how it can also show what the real run measured. Quick runs record
  /// nothing.
  public func recordFullRun(_ name: String, _ markdown: String) throws {
    guard options.full else { return }
    mkdir(Self.resultsFolder, 0o755)
    try writeTextFile(markdown + "\n", to: "\(Self.resultsFolder)/\(prefix)-\(name).md")
  }

  /// Full runs only: the path `Results/chNN-name.png` for a figure of the full run (to
  /// be shown by a recorded `@fullrun` text); nil in quick runs.
  public func fullRunFigurePath(_ name: String) -> String? {
    guard options.full else { return nil }
    mkdir(Self.resultsFolder, 0o755)
    return "\(Self.resultsFolder)/\(prefix)-\(name).png"
  }

  /// `ch05` for Chapter 5.
  var prefix: String { number < 10 ? "ch0\(number)" : "ch\(number)" }

  /// `Figures/chNN-name.png`, creating the folder if needed.
  public func figurePath(_ name: String) -> String {
    mkdir(options.figures, 0o755)
    return "\(options.figures)/\(prefix)-\(name).png"
  }
}

/// Debug builds run inner loops 30–200× slower; say so loudly, on stderr.
func warnIfDebugBuild() {
  if _isDebugAssertConfiguration() {
    let warning = """
      ⚠️  WARNING: this is a DEBUG build; loops run 30-200x slower than in release.
      ⚠️  Run chapters with: swift run -c release ChapterNN
      """
    writeToStandardError(warning + "\n")
  }
}

/// Writes to file descriptor 2 (stderr) directly: unbuffered, and no shared C global.
public func writeToStandardError(_ text: String) {
  var bytes = Array(text.utf8)
  _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
