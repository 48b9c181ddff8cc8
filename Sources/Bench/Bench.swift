import ArgumentParser
import Autograd
import Notebook
import Platform

/// `make bench`: how fast the engine is, against the baselines it should reach.
@main
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure matmul, convolution, elementwise and autograd speed against "
      + "their baselines.")

  @Option(help: "Cores to use (the engine's workers; BLAS stays single-threaded).")
  var threads = 1

  @Flag(help: "Fewer repeats and sizes (a smoke run).")
  var quick = false

  @Option(
    name: .customLong("only"),
    help: ArgumentHelp(
      "Run only this section (repeatable): matmul, convolution, vision, "
        + "synchronizer, language, diffusion, interleaved, training, elementwise, "
        + "bookkeeping."))
  var sections: [String] = []

  @Option(help: "Write every figure measured as one JSON object to this file.")
  var json: String?

  @Option(
    help: ArgumentHelp(
      "Measure nothing: set the figures of these runs of ours (`--json` files, one per "
        + "thread count; repeatable) beside the PyTorch peer's (see --peer).",
      valueName: "file"))
  var compare: [String] = []

  @Option(
    help: ArgumentHelp(
      "The peer's results (JSON lines from ../shared/peer/bench.sh) for --compare.",
      valueName: "file"))
  var peer: String?

  @Option(
    help: ArgumentHelp(
      "With --compare: also write the table as Markdown to this file, for the book "
        + "(make bench-peer writes Results/appA-peer.md).", valueName: "file"))
  var record: String?

  static let sectionNames = [
    "matmul", "convolution", "vision", "synchronizer", "language", "diffusion",
    "interleaved", "training", "elementwise", "bookkeeping",
  ]

  func validate() throws {
    guard threads >= 1 else {
      throw ValidationError("--threads must be at least 1, got \(threads)")
    }
    let unknown = sections.filter { !Self.sectionNames.contains($0) }
    guard unknown.isEmpty else {
      throw ValidationError(
        "unknown section \(unknown.joined(separator: ", ")); choose from "
          + Self.sectionNames.joined(separator: ", "))
    }
  }

  func run() throws {
    if !compare.isEmpty {
      guard let peer else { throw ValidationError("--compare needs --peer FILE") }
      let comparison = try PeerComparison(ours: compare, peer: peer)
      comparison.printTable()
      if let record {
        try comparison.markdown().write(toFile: record, atomically: true, encoding: .utf8)
        print("bench-peer: the table for the book is in \(record)")
      }
      return
    }
    pinBLASKernels()
    Engine.configure(threads: threads)
    warnIfDebug()
    print(
      "Bench · OpenBLAS core \(BLAS.coreName) · \(Parallel.workers) worker(s), "
        + "\(BLAS.threads) BLAS thread(s)")
    print("Each figure is the best of several runs.\n")
    let all: [(String, () -> Void)] = [
      ("matmul", matmulBench), ("convolution", convolutionBench),
      ("vision", visionBench), ("synchronizer", synchronizerBench),
      ("language", languageBench), ("diffusion", diffusionBench),
      ("interleaved", interleavedBench), ("training", trainingBench),
      ("elementwise", elementwiseBench), ("bookkeeping", bookkeepingBench),
    ]
    for (name, run) in all where sections.isEmpty || sections.contains(name) { run() }
    if let json {
      try FigureLog.shared.write(to: json, blasCore: BLAS.coreName)
      print("Figures written to \(json).")
    }
  }

  var repeats: Int { quick ? 3 : 10 }

  // MARK: Matrix multiply

  func matmulBench() {
    print("Matrix multiply: ours (Tensor matmul) against a raw cblas_sgemm call")
    let header =
      "  shape [M,K]·[K,N]".padded(40) + "sgemm GF/s".padded(12, left: true)
      + "ours GF/s".padded(11, left: true) + "ratio".padded(7, left: true)
      + "fwd+bwd GF/s".padded(14, left: true) + "ratio".padded(7, left: true)
    print(header)
    var shapes: [(Int, Int, Int, String)] = [64, 128, 256, 512, 1024].map {
      ($0, $0, $0, "")
    }
    if quick { shapes = [(64, 64, 64, ""), (256, 256, 256, "")] }
    shapes += [
      (1024, 128, 384, "q,k,v projection"), (1024, 128, 512, "MLP up"),
      (1024, 512, 128, "MLP down"), (128, 32, 128, "attention scores"),
    ]
    var generator = SeededGenerator(seed: 1)
    for (m, k, n, note) in shapes {
      let a = Tensor.normal([m, k], using: &generator, requiresGrad: true)
      let b = Tensor.normal([k, n], using: &generator, requiresGrad: true)
      var c = [Float](repeating: 0, count: m * n)
      let flops = 2 * Double(m * n * k)
      let reps = max(repeats, Int(2e8 / flops))
      var da = [Float](repeating: 0, count: m * k),
        db = [Float](repeating: 0, count: k * n)
      // The four are timed in turn, round after round, and each keeps its best: a busy
      // spell on the machine then hurts all alike.
      var raw = Double.infinity, rawAll = Double.infinity
      var ours = Double.infinity, both = Double.infinity
      for _ in 0..<reps {
        raw = min(raw, secondsTaken { sgemm(false, false, m, n, k, a.data, b.data, &c) })
        // Backward's products: dA = dC·Bᵀ [M,K] and dB = Aᵀ·dC [K,N].
        rawAll = min(
          rawAll,
          secondsTaken {
            sgemm(false, false, m, n, k, a.data, b.data, &c)
            sgemm(false, true, m, k, n, c, b.data, &da)
            sgemm(true, false, k, n, m, a.data, c, &db)
          })
        ours = min(ours, secondsTaken { _ = withoutGradient { matmul(a, b) } })
        both = min(
          both,
          secondsTaken {
            let y = matmul(a, b)
            y.backward(gradient: c)
            a.zeroGrad()
            b.zeroGrad()
          })
      }
      let name = "  [\(m),\(k)]·[\(k),\(n)]" + (note.isEmpty ? "" : " \(note)")
      print(
        name.padded(40) + gf(flops / raw).padded(12, left: true)
          + gf(flops / ours).padded(11, left: true)
          + formatted(raw / ours, significantDigits: 3).padded(7, left: true)
          + gf(3 * flops / both).padded(14, left: true)
          + formatted(rawAll / both, significantDigits: 3).padded(7, left: true))
    }
    print(
      "  (ratio = raw sgemm time / our time; forward+backward is compared with the"
        + " same\n   three sgemm calls, transposes included, on preallocated outputs)\n")
    ladderBench()
  }

  /// Appendix A's hand-written products against sgemm on one square size.
  func ladderBench() {
    let n = quick ? 256 : 512
    var generator = SeededGenerator(seed: 3)
    let a = Tensor.normal([n, n], using: &generator).data
    let b = Tensor.normal([n, n], using: &generator).data
    var c = [Float](repeating: 0, count: n * n)
    let flops = 2 * Double(n * n * n)
    let blas = bestSeconds(repeats: repeats) { sgemm(false, false, n, n, n, a, b, &c) }
    print("The hand-written ladder (Appendix A), \(n)³: GFLOP/s, share of sgemm's")
    for (name, multiply) in handWrittenProducts {
      let seconds = bestSeconds(repeats: name.hasPrefix("textbook") ? 1 : repeats) {
        _ = multiply(a, b, n, n, n)
      }
      print(
        "  \(name)".padded(40) + gf(flops / seconds).padded(10, left: true)
          + formatted(100 * blas / seconds, significantDigits: 2).padded(8, left: true)
          + " %")
    }
    print("  OpenBLAS sgemm".padded(40) + gf(flops / blas).padded(10, left: true) + "\n")
  }

  /// A raw row-major sgemm into a preallocated output: the baseline (the bench's sizes
  /// have m > 1, so `BLAS.multiply` is one cblas_sgemm call and nothing else).
  func sgemm(
    _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
    _ a: [Float], _ b: [Float], _ c: inout [Float]
  ) {
    BLAS.multiply(
      transposingA: transposeA, transposingB: transposeB, m: m, n: n, k: k, a, b,
      into: &c)
  }

  func gf(_ flopsPerSecond: Double) -> String {
    formatted(flopsPerSecond / 1e9, significantDigits: 4)
  }

  // MARK: Elementwise

  func elementwiseBench() {
    let count = quick ? 1 << 20 : 1 << 22
    print(
      "Elementwise on \(count) Floats (\(count * 4 / 1_048_576) MiB per array),"
        + " G elements/s")
    var generator = SeededGenerator(seed: 2)
    let x = Tensor.uniform([count], low: -4, high: 4, using: &generator)
    let y = Tensor.uniform([count], low: -4, high: 4, using: &generator)
    // Baseline: a plain loop that reads two arrays and writes one, as fast as memory
    // allows (what an add can reach at best).
    let copy = bestSeconds(repeats: repeats) {
      let out = [Float](unsafeUninitializedCapacity: count) { o, initialized in
        x.data.withUnsafeBufferPointer { a in
          y.data.withUnsafeBufferPointer { b in
            for i in 0..<count { o[i] = a[i] + b[i] }
          }
        }
        initialized = count
      }
      precondition(out.count == count)
    }
    let glibcTanh = bestSeconds(repeats: 3) {
      var out = [Float](repeating: 0, count: count)
      x.data.withUnsafeBufferPointer { a in
        out.withUnsafeMutableBufferPointer { o in
          for i in 0..<count { o[i] = tanhf(a[i]) }
        }
      }
    }
    let glibcExp = bestSeconds(repeats: 3) {
      var out = [Float](repeating: 0, count: count)
      x.data.withUnsafeBufferPointer { a in
        out.withUnsafeMutableBufferPointer { o in
          for i in 0..<count { o[i] = expf(a[i]) }
        }
      }
    }
    let rows = x.reshaped([count / 256, 256]), bias = y.sliced(axis: 0, 0..<256)
    func rate(_ seconds: Double) -> String {
      formatted(Double(count) / seconds / 1e9, significantDigits: 3)
    }
    print("  raw loop a + b (memory-bound baseline)".padded(44) + rate(copy))
    print("  glibc expf loop".padded(44) + rate(glibcExp))
    print("  glibc tanhf loop".padded(44) + rate(glibcTanh))
    let ops: [(String, () -> Tensor)] = [
      ("add", { x + y }), ("multiply", { x * y }), ("add bias [C]", { rows + bias }),
      ("exp", { x.exp() }), ("tanh", { x.tanh() }), ("sigmoid", { x.sigmoid() }),
      ("gelu", { x.gelu() }), ("silu", { x.silu() }),
    ]
    for (name, op) in ops {
      let seconds = bestSeconds(repeats: repeats) { _ = withoutGradient(op) }
      var line = "  ours: \(name)".padded(44) + rate(seconds)
      if name == "add" || name == "multiply" {
        line += "   (\(formatted(copy / seconds, significantDigits: 3))× the raw loop)"
      }
      if name == "tanh" {
        line += "   (\(formatted(glibcTanh / seconds, significantDigits: 3))× glibc)"
      }
      if name == "exp" {
        line += "   (\(formatted(glibcExp / seconds, significantDigits: 3))× glibc)"
      }
      print(line)
    }
    print("")
  }

  // MARK: Autograd bookkeeping

  func bookkeepingBench() {
    print("Autograd bookkeeping on tiny tensors ([4] and [2, 2])")
    var generator = SeededGenerator(seed: 3)
    let a = Tensor.normal([4], using: &generator, requiresGrad: true)
    let b = Tensor.normal([4], using: &generator, requiresGrad: true)
    let m = Tensor.normal([2, 2], using: &generator, requiresGrad: true)
    let operations = 6  // multiply, add, tanh, reshape, matmul, sum
    let rounds = 2000
    let forward = bestSeconds(repeats: repeats) {
      for _ in 0..<rounds {
        _ = matmul((a * b + a).tanh().reshaped([2, 2]), m).sum()
      }
    }
    let both = bestSeconds(repeats: repeats) {
      for _ in 0..<rounds {
        matmul((a * b + a).tanh().reshaped([2, 2]), m).sum().backward()
      }
      a.zeroGrad()
      b.zeroGrad()
      m.zeroGrad()
    }
    let perOp = 1e6 / Double(rounds * operations)
    print("  forward only      \(formatted(forward * perOp, significantDigits: 3)) µs/op")
    print("  forward+backward  \(formatted(both * perOp, significantDigits: 3)) µs/op")
  }

  func warnIfDebug() {
    if _isDebugAssertConfiguration() {
      print("⚠️  DEBUG build: numbers are meaningless. Run `make bench` (release).")
    }
  }
}

extension String {
  func padded(_ width: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - count))
    return left ? fill + self : self + fill
  }
}
