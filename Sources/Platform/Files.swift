/// A file that could not be read or written, and why (the system's words).
public struct FileIOError: Error, CustomStringConvertible, Equatable {
  public let path: String
  public let reason: String
  public var description: String { "\(path): \(reason)" }
}

/// Writes `bytes` atomically: to a temporary file in the same folder, flushed to disk,
/// then renamed over `path`. A crash at any point leaves the previous file intact.
/// The folder is created if missing.
public func writeFileAtomically(_ bytes: [UInt8], to path: String) throws(FileIOError) {
  try makeFolders(containing: path)
  let temporary = "\(path).partial-\(getpid())"
  guard let file = fopen(temporary, "wb") else {
    throw FileIOError(path: path, reason: errnoText())
  }
  let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
  let flushed = fflush(file) == 0 && fsync(fileno(file)) == 0
  fclose(file)
  guard written == bytes.count, flushed else {
    unlink(temporary)
    throw FileIOError(path: path, reason: "short write")
  }
  guard rename(temporary, path) == 0 else {
    let reason = errnoText()
    unlink(temporary)
    throw FileIOError(path: path, reason: reason)
  }
}

/// The whole content of the file at `path`.
public func readFileBytes(_ path: String) throws(FileIOError) -> [UInt8] {
  guard let file = fopen(path, "rb") else {
    throw FileIOError(path: path, reason: errnoText())
  }
  defer { fclose(file) }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
    if n == 0 { break }
    bytes += chunk[0..<n]
  }
  return bytes
}

/// The system's words for the last error (`errno`).
public func errnoText() -> String { String(cString: strerror(errno)) }

/// Writes `text` to `path` atomically (temporary file, then rename).
public func writeTextFile(_ text: String, to path: String) throws(FileIOError) {
  try writeFileAtomically(Array(text.utf8), to: path)
}

/// Creates the folders on the way to `path` that are missing (like `mkdir -p` of its
/// parent).
public func makeFolders(containing path: String) throws(FileIOError) {
  let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
  var folder = path.hasPrefix("/") ? "" : "."
  for part in parts where !part.isEmpty {
    folder += "/" + part
    if access(folder, F_OK) != 0 && mkdir(folder, 0o755) != 0 && errno != EEXIST {
      throw FileIOError(path: path, reason: "cannot create \(folder) (\(errnoText()))")
    }
  }
}
