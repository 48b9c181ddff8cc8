import ArgumentParser
import Autograd
import Platform

/// The command-line flags every chapter understands.
public struct ChapterOptions: ParsableArguments {
  @Flag(help: "Run the full size (minutes) instead of the quick one (seconds).")
  public var full = false

  @Option(help: "Seed of the random generator (the same seed gives the same run).")
  public var seed: UInt64 = 1

  @Option(
    help: ArgumentHelp(
      "Cores to use (the engine's workers; BLAS stays single-threaded). "
        + "Transcripts are made with 1; more round a few sums differently."))
  public var threads: Int = 1

  @Option(
    name: .customLong("check-exercise"),
    help: "Check your answer to exercise N instead of running the chapter.")
  public var exercise: Int?

  @Option(help: "Folder the chapter writes its figures to.")
  public var figures: String = "Figures"

  @Flag(
    help: ArgumentHelp(
      "Continue an interrupted run from its checkpoint (chapters that train for "
        + "long; the others ignore it)."))
  public var resume = false

  public init() {}

  public mutating func validate() throws {
    guard threads >= 1 else {
      throw ValidationError("--threads must be at least 1, got \(threads)")
    }
  }
}

/// A running chapter (or appendix): its options, its random generator, where its
/// figures go.
public struct Chapter {
  /// The chapter's number; 0 for an appendix.
  public let number: Int
  /// "Chapter 8", "Appendix A": how messages name it.
  public let title: String
  /// Its executable: "Chapter08", "AppendixA".
  public let executable: String
  /// The start of its figures' and results' names: "ch08", "appA".
  let prefix: String
  public let options: ChapterOptions
  public var generator: SeededGenerator

  /// Starts a chapter: pins the BLAS kernels the book was made with, parses the command
  /// line (a bad flag stops with a message naming the chapter), runs an exercise's
  /// checker instead of the chapter when asked (`--check-exercise N`: `exercises(N)`
  /// says whether the answer passed), checks that the folders the chapter writes to are
  /// writable, warns on a debug build, and prints the chapter's first line.
  public static func begin(
    number: Int, title: String, exercises: (Int) -> Bool,
    arguments: [String]? = nil, line: UInt = #line
  ) -> Chapter {
    let two = number < 10 ? "0\(number)" : "\(number)"
    return begin(
      number: number, name: "Chapter \(number)", executable: "Chapter\(two)",
      prefix: "ch\(two)", title: title, exercises: exercises, arguments: arguments,
      line: line)
  }

  /// The same for an appendix ("A"): `AppendixA`, figures `appA-name.png`.
  public static func begin(
    appendix letter: String, title: String, exercises: (Int) -> Bool,
    arguments: [String]? = nil, line: UInt = #line
  ) -> Chapter {
    begin(
      number: 0, name: "Appendix \(letter)", executable: "Appendix\(letter)",
      prefix: "app\(letter)", title: title, exercises: exercises, arguments: arguments,
      line: line)
  }

  static func begin(
    number: Int, name: String, executable: String, prefix: String, title: String,
    exercises: (Int) -> Bool, arguments: [String]?, line: UInt
  ) -> Chapter {
    pinBLASKernels()
    let options = parsedOptions(executable: executable, arguments)
    Engine.configure(threads: options.threads)
    if let exercise = options.exercise { exit(exercises(exercise) ? 0 : 1) }
    let folders =
      [options.figures, checkpointsFolder] + (options.full ? [resultsFolder] : [])
    for folder in folders {
      if let problem = writeProblem(folder: folder) {
        let elsewhere = folder == options.figures ? ", or pass --figures <a folder>" : ""
        stop(
          "\(name) writes to the folder \(folder), but \(problem). Run it from "
            + "a writable copy of the book\(elsewhere).")
      }
    }
    warnIfDebugBuild()
    let chapter = Chapter(
      number: number, title: name, executable: executable, prefix: prefix,
      options: options, generator: SeededGenerator(seed: options.seed))
    show(
      "\(name): \(title) · \(options.full ? "full" : "quick") size"
        + " · seed \(options.seed)", line: line)
    return chapter
  }

  /// The command line's options; a bad flag stops with the parser's message, the
  /// chapter's name and how to list the flags.
  static func parsedOptions(executable name: String, _ arguments: [String]?)
    -> ChapterOptions
  {
    do {
      return try ChapterOptions.parse(arguments)
    } catch {
      let code = ChapterOptions.exitCode(for: error)
      let message = ChapterOptions.fullMessage(for: error)
        .replacing("USAGE: chapter", with: "USAGE: swift run -c release \(name)")
      guard code == .success else {
        stop(
          "\(name): \(ChapterOptions.message(for: error))\n"
            + "See the flags with: swift run -c release \(name) --help",
          code: code.rawValue)
      }
      print(message)  // --help
      exit(0)
    }
  }

  /// The quick value or the full one, by the `--full` flag.
  public func size<T>(quick: T, full: T) -> T { options.full ? full : quick }

  /// The folder of results recorded by full runs, for the book's `@fullrun(name)`.
  public static let resultsFolder = "Results"
  /// The folder of saved models, which later chapters load.
  public static let checkpointsFolder = "Checkpoints"

  /// Full runs only: records `markdown` as `Results/chNN-name.md` (an appendix:
  /// `appA-name.md`), which the book
  /// includes where the prose says `@fullrun(chNN-name)`. The book is built from quick
  /// runs; this is how it can also show what the real run measured. Quick runs record
  /// nothing.
  public func recordFullRun(_ name: String, _ markdown: String) throws {
    guard options.full else { return }
    try writeTextFile(markdown + "\n", to: "\(Self.resultsFolder)/\(prefix)-\(name).md")
  }

  /// Full runs only: the path `Results/chNN-name.png` for a figure of the full run (to
  /// be shown by a recorded `@fullrun` text); nil in quick runs.
  public func fullRunFigurePath(_ name: String) -> String? {
    guard options.full else { return nil }
    return "\(Self.resultsFolder)/\(prefix)-\(name).png"
  }

  /// `Figures/chNN-name.png` (`begin` has made sure the folder can be written).
  public func figurePath(_ name: String) -> String {
    "\(options.figures)/\(prefix)-\(name).png"
  }
}

/// Why `folder` cannot be written to (created if missing), or nil if it can.
func writeProblem(folder: String) -> String? {
  if access(folder, F_OK) != 0 && mkdir(folder, 0o755) != 0 {
    return "it cannot be created (\(errnoText()))"
  }
  guard access(folder, W_OK) == 0 else {
    return "it is not writable (\(errnoText()))"
  }
  return nil
}

/// Stops the chapter with a message for the reader (on stderr) and an exit code.
public func stop(_ message: String, code: Int32 = 1) -> Never {
  writeToStandardError(message + "\n")
  exit(code)
}

/// Runs `body` and returns its result; an error stops the chapter with the error's
/// message, which says what to do (a missing earlier checkpoint names the chapter to
/// run). Top-level code would otherwise end in "Fatal error: Error raised at top level".
public func orStop<T>(_ body: () throws -> T) -> T {
  do {
    return try body()
  } catch {
    stop("\(error)")
  }
}

/// The OpenBLAS kernels the chapters run on: the fastest of two fixed families the CPU
/// can run. "SkylakeX" (AVX-512, on which the book's transcripts and results were
/// made) where the CPU has AVX-512's foundation, byte/word, vector-length and
/// doubleword/quadword sets; "Haswell" (AVX2 and FMA) where it has only those; nil
/// elsewhere (OpenBLAS's own choice). A fixed family, rather than OpenBLAS's pick for
/// the CPU at hand, makes runs repeat to the last bit on every CPU of the family: other
/// kernels add in other orders, and training amplifies the last bits, so a reader's
/// transcript and figures would drift from the book's. (OpenBLAS 0.3.21 does not know
/// some newer CPUs at all and falls back to kernels from 2004, five times slower.)
public func bookKernelFamily() -> String? {
  cpuFlags().flatMap(kernelFamily(cpuFlags:))
}

/// The kernel family for a CPU with these /proc/cpuinfo flags (see `bookKernelFamily`).
public func kernelFamily(cpuFlags flags: Set<String>) -> String? {
  let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
  if avx512.allSatisfy({ flags.contains($0) }) { return "SkylakeX" }
  if ["avx2", "fma"].allSatisfy({ flags.contains($0) }) { return "Haswell" }
  return nil
}

/// The kernel family this run uses: `OPENBLAS_CORETYPE` when set, the book's otherwise.
public func runKernelFamily() -> String? {
  environment("OPENBLAS_CORETYPE") ?? bookKernelFamily()
}

/// Pins OpenBLAS to `bookKernelFamily()`. OpenBLAS reads its kernel choice when it
/// loads, so the process starts itself again with the setting. An explicit
/// `OPENBLAS_CORETYPE` is respected. The bench pins the same way, so that it measures
/// what the chapters run.
public func pinBLASKernels() {
  guard getenv("OPENBLAS_CORETYPE") == nil, let family = bookKernelFamily() else {
    return
  }
  setenv("OPENBLAS_CORETYPE", family, 1)
  execv("/proc/self/exe", CommandLine.unsafeArgv)
  // exec failed (no /proc): run on, unpinned.
}

/// The CPU's feature flags from /proc/cpuinfo (nil where there is no /proc).
func cpuFlags() -> Set<String>? {
  guard let bytes = try? readFileBytes("/proc/cpuinfo") else { return nil }
  let text = String(decoding: bytes, as: UTF8.self)
  guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
  else { return nil }
  return Set(line.split(separator: " ").map(String.init))
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

