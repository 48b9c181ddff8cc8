// The one seam between the book and the operating system. Every other file imports
// `Platform`, never Glibc or Darwin: the C library (files, clocks, the math functions
// expf, tanhf, …) comes through here. Tested on Linux (Glibc); on macOS the same names
// come from Darwin.
#if canImport(Glibc)
  @_exported import Glibc
#elseif canImport(Darwin)
  @_exported import Darwin
#else
  #error("MM-Interleaved from Scratch needs Glibc (Linux) or Darwin (macOS)")
#endif

/// Writes to file descriptor 2 (stderr) directly: unbuffered, and no shared C global.
public func writeToStandardError(_ text: String) {
  var bytes = Array(text.utf8)
  _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

/// The value of the environment variable `name`, or nil.
public func environment(_ name: String) -> String? {
  getenv(name).map { String(cString: $0) }
}

/// The process's peak resident memory so far (VmHWM), in MB; NaN without /proc.
public func peakResidentMegabytes() -> Double {
  guard let bytes = try? readFileBytes("/proc/self/status") else { return .nan }
  let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
    .first { $0.hasPrefix("VmHWM:") }
  let kilobytes = line?.split(separator: " ").dropFirst().first.flatMap { Double($0) }
  return (kilobytes ?? .nan) / 1024
}
