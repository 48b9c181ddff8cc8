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
import CSupport  // the few C helpers Swift cannot reach directly (malloc's settings)

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
public func peakResidentMegabytes() -> Double { processStatusMegabytes("VmHWM:") }

/// The process's resident memory now (VmRSS), in MB; NaN without /proc.
public func residentMegabytes() -> Double { processStatusMegabytes("VmRSS:") }

/// Starts a new peak: the C allocator first returns the memory it keeps for reuse to
/// the system (`malloc_trim`), then Linux sets the process's high-water mark back to
/// its resident size now (writing 5 to /proc/self/clear_refs). Returns false where
/// that is not possible (not Linux, or /proc read-only): the peak then still counts
/// from the process's start.
@discardableResult
public func resetPeakResidentMemory() -> Bool {
  _ = mmi_return_freed_memory()
  #if canImport(Glibc)
    let file = open("/proc/self/clear_refs", O_WRONLY)
    guard file >= 0 else { return false }
    defer { close(file) }
    return write(file, "5", 1) == 1
  #else
    return false
  #endif
}

/// A line "Name:   1234 kB" of /proc/self/status, in MB.
private func processStatusMegabytes(_ name: String) -> Double {
  guard let bytes = try? readFileBytes("/proc/self/status") else { return .nan }
  let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
    .first { $0.hasPrefix(name) }
  let kilobytes = line?.split(separator: " ").dropFirst().first.flatMap { Double($0) }
  return (kilobytes ?? .nan) / 1024
}
