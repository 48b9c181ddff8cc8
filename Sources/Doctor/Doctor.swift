import ArgumentParser
import Autograd
import CPNG
import Notebook
import Platform

/// `make doctor`: what a bug report needs, in one paste.
@main
struct Doctor: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Check the toolchain, the system libraries and the book tools; time a matmul.")

  func run() throws {
    print("MM-Interleaved from Scratch · self-check")
    print(
      row(
        "Swift",
        toolVersion("swift --version 2>&1")
          ?? "swift not on PATH (this binary: \(compilerVersion()))"))
    print(row("OS", operatingSystem()))
    print(row("CPU", cpuModel() + " · \(processorCount()) cores"))
    print(
      row(
        "build",
        _isDebugAssertConfiguration()
          ? "DEBUG (slow: run with -c release)" : "release (optimised)"))
    Engine.configure(threads: 1)
    print(
      row(
        "OpenBLAS",
        "core \(BLAS.coreName) · \(BLAS.threads) thread(s) "
          + "(the book's default)"))
    print(row("OpenBLAS config", BLAS.configuration))
    print(row("OPENBLAS_CORETYPE", environment("OPENBLAS_CORETYPE") ?? "(not set)"))
    print(
      row(
        "chapters' kernels",
        (bookKernelFamily() ?? "OpenBLAS's own choice (no AVX2 or AVX-512 found)")
          + " (transcripts: "
          + ((try? readFileBytes("Transcripts/KERNELS")).map {
            String(decoding: $0, as: UTF8.self).trimmed
          } ?? "?") + ")"))
    print(row("libpng", String(cString: mmi_png_version()) + pngRoundTrip()))
    print(row("pandoc", toolVersion("pandoc --version") ?? "MISSING: run `make deps`"))
    print(row("xelatex", toolVersion("xelatex --version") ?? "MISSING: run `make deps`"))
    print(row("git revision", toolVersion("git describe --always --dirty") ?? "unknown"))
    print(row("matmul 256³", timedMatmul()))
  }

  func row(_ label: String, _ value: String) -> String {
    label.padding(19) + value
  }

  func compilerVersion() -> String {
    #if compiler(>=6.3)
      "built by Swift 6.3 or later"
    #elseif compiler(>=6.2)
      "Swift 6.2"
    #elseif compiler(>=6.1)
      "Swift 6.1"
    #else
      "Swift 6.0"
    #endif
  }

  func operatingSystem() -> String {
    var name = utsname()
    uname(&name)
    let release = withUnsafeBytes(of: name.release) {
      String(
        decoding: $0.prefix { $0 != 0 },
        as: UTF8.self)
    }
    let pretty =
      firstLine(of: "/etc/os-release", startingWith: "PRETTY_NAME=")?
      .replacingQuotes() ?? "unknown distribution"
    return "\(pretty) · Linux \(release)"
  }

  func cpuModel() -> String {
    firstLine(of: "/proc/cpuinfo", startingWith: "model name")?
      .split(separator: ":", maxSplits: 1).last.map { String($0).trimmed }
      ?? "unknown CPU"
  }

  func processorCount() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

  /// Writes and reads back a small PNG through libpng.
  func pngRoundTrip() -> String {
    var canvas = Canvas(width: 4, height: 3)
    canvas.set(x: 1, y: 2, Color(10, 200, 30))
    let path = "/tmp/mmi-doctor-\(getpid()).png"
    defer { unlink(path) }
    do {
      try canvas.writePNG(to: path)
      let back = try Canvas.readPNG(from: path)
      return back.color(x: 1, y: 2) == Color(10, 200, 30)
        ? " · write/read round trip OK" : " · round trip gave different pixels: NOT OK"
    } catch {
      return " · round trip failed: \(error)"
    }
  }

  func timedMatmul() -> String {
    var generator = SeededGenerator(seed: 1)
    let a = Tensor.normal([256, 256], using: &generator)
    let b = Tensor.normal([256, 256], using: &generator)
    let seconds = bestSeconds(repeats: 20) { _ = matmul(a, b) }
    let gflops = 2 * 256 * 256 * 256 / seconds / 1e9
    return "\(formattedDuration(seconds)) · \(formatted(gflops)) GFLOP/s (1 thread)"
  }

  /// The first line a shell command prints, or nil if it fails.
  func toolVersion(_ command: String) -> String? {
    guard let pipe = popen(command + " 2>/dev/null", "r") else { return nil }
    var buffer = [CChar](repeating: 0, count: 512)
    let line = fgets(&buffer, 512, pipe).map { _ in
      String(
        decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
        as: UTF8.self
      ).trimmed
    }
    let status = pclose(pipe)
    return status == 0 ? line : nil
  }

  func firstLine(of path: String, startingWith prefix: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 1024)
    while fgets(&buffer, 1024, file) != nil {
      let line = String(
        decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
        as: UTF8.self)
      if line.hasPrefix(prefix) { return String(line.dropFirst(prefix.count)).trimmed }
    }
    return nil
  }
}

extension String {
  func replacingQuotes() -> String { filter { $0 != "\"" } }

  func padding(_ width: Int) -> String {
    self + String(repeating: " ", count: max(1, width - count))
  }
}
