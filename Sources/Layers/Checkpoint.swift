import Autograd
import Platform

/// What can go wrong reading or writing a checkpoint; every case says what to do.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
  case cannotOpen(path: String, reason: String)
  case cannotWrite(path: String, reason: String)
  case truncated(path: String, expectedBytes: Int, actualBytes: Int)
  case corruptHeader(path: String, reason: String)
  case unsupportedType(path: String, name: String, dtype: String)
  case missingTensor(path: String, name: String)
  case unexpectedTensor(path: String, name: String)
  case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
  case optimizerMismatch(path: String, expected: String, found: String)
  case checksumMismatch(path: String)
  case missingChecksum(path: String)

  /// What is wrong, and what to do.
  public var description: String {
    switch self {
    case .cannotOpen: "\(problem); check the path"
    case .cannotWrite: "\(problem); is the folder there and writable, the disk full?"
    case .truncated, .corruptHeader, .checksumMismatch, .missingChecksum:
      "\(problem). Delete it and run the chapter that writes it again"
    default: problem
    }
  }

  /// What is wrong, without advice (a caller that knows what to run adds its own).
  public var problem: String {
    switch self {
    case .cannotOpen(let path, let reason):
      "checkpoint \(path): cannot open (\(reason))"
    case .cannotWrite(let path, let reason):
      "checkpoint \(path): cannot write (\(reason))"
    case .truncated(let path, let expected, let actual):
      "checkpoint \(path) is truncated: the header promises \(expected) bytes, the file "
        + "has \(actual); it was cut off while being copied or written"
    case .corruptHeader(let path, let reason):
      "checkpoint \(path) is not a valid safetensors file: \(reason)"
    case .unsupportedType(let path, let name, let dtype):
      "checkpoint \(path): tensor \(name) has type \(dtype); only F32 is supported"
    case .missingTensor(let path, let name):
      "checkpoint \(path) has no tensor \(name), which the model needs: was it saved "
        + "from a different model or configuration?"
    case .unexpectedTensor(let path, let name):
      "checkpoint \(path): tensor \(name) matches no parameter of the model (a "
        + "different model or configuration?)"
    case .shapeMismatch(let path, let name, let expected, let found):
      "checkpoint \(path): tensor \(name) has shape \(found), the model expects "
        + "\(expected): the configurations differ"
    case .optimizerMismatch(let path, let expected, let found):
      "checkpoint \(path): optimiser state is for \(found), not \(expected)"
    case .checksumMismatch(let path):
      "checkpoint \(path) is damaged: its bytes do not match the checksum written with "
        + "them (a disk or copy error, or an edit)"
    case .missingChecksum(let path):
      "checkpoint \(path) has no checksum: it was written by an older version of the "
        + "book or by another tool"
    }
  }
}

/// Reading and writing the safetensors format (Hugging Face): an 8-byte little-endian
/// header length N, N bytes of JSON describing each tensor (dtype, shape, byte range),
/// then the raw little-endian tensor data. A JSON key `__metadata__` holds free-form
/// string pairs. PyTorch and Hugging Face tools read these files directly.
public enum SafeTensors {
  // MARK: book:safetensors
  /// The bytes of a safetensors file: tensors in name order, header padded with spaces
  /// so the data starts at a multiple of 8 bytes.
  public static func encode(
    _ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]
  ) -> [UInt8] {
    let sorted = tensors.sorted { $0.name < $1.name }
    var members: [(String, JSONValue)] = []
    if !metadata.isEmpty {
      members.append(
        (
          "__metadata__",
          .object(
            metadata.keys.sorted().map {
              ($0, .string(metadata[$0]!))
            })
        ))
    }
    var offset = 0
    for (name, tensor) in sorted {
      let size = tensor.count * 4
      members.append(
        (
          name,
          .object([
            ("dtype", .string("F32")),
            ("shape", .array(tensor.shape.map { .integer($0) })),
            ("data_offsets", .array([.integer(offset), .integer(offset + size)])),
          ])
        ))
      offset += size
    }
    var header = Array(JSONValue.object(members).text.utf8)
    while (8 + header.count) % 8 != 0 { header.append(0x20) }
    var bytes = [UInt8]()
    bytes.reserveCapacity(8 + header.count + offset)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
    bytes += header
    for (_, tensor) in sorted {
      for value in tensor.data {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
      }
    }
    return bytes
  }
  // MARK: end

  /// The metadata key of the CRC-32 that `write` seals a file with.
  public static let checksumKey = "mmi.crc32"

  /// Parses the bytes of a safetensors file; `path` only names it in errors. A file
  /// sealed by `write` is checked against its checksum; one without a checksum (from
  /// another tool) is refused only if `requiresChecksum`.
  public static func decode(
    _ bytes: [UInt8], path: String = "<memory>", requiresChecksum: Bool = false
  ) throws
    -> (tensors: [String: Tensor], metadata: [String: String])
  {
    guard bytes.count >= 8 else {
      throw CheckpointError.truncated(
        path: path, expectedBytes: 8, actualBytes: bytes.count)
    }
    let headerSize = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    guard headerSize <= UInt64(bytes.count - 8) else {
      throw CheckpointError.truncated(
        path: path,
        expectedBytes: headerSize > UInt64(Int.max - 8) ? Int.max : 8 + Int(headerSize),
        actualBytes: bytes.count)
    }
    let dataStart = 8 + Int(headerSize)
    let header: JSONValue
    do {
      header = try JSONParser.parse(Array(bytes[8..<dataStart]))
    } catch let failure as JSONParser.Failure {
      throw CheckpointError.corruptHeader(
        path: path, reason: "header JSON: \(failure.message)")
    }
    guard case .object(let members) = header else {
      throw CheckpointError.corruptHeader(
        path: path, reason: "header is not a JSON object")
    }
    // First the header's promises, all checked; then the data.
    var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
    var metadata: [String: String] = [:]
    for (name, entry) in members {
      if name == "__metadata__" {
        guard case .object(let pairs) = entry else {
          throw CheckpointError.corruptHeader(
            path: path, reason: "__metadata__ is not an object")
        }
        for case (let key, .string(let value)) in pairs { metadata[key] = value }
        continue
      }
      guard case .string(let dtype)? = entry["dtype"],
        case .array(let dims)? = entry["shape"],
        case .array(let range)? = entry["data_offsets"], range.count == 2,
        case .integer(let begin) = range[0], case .integer(let end) = range[1]
      else {
        throw CheckpointError.corruptHeader(
          path: path, reason: "entry \(name) is malformed")
      }
      guard dtype == "F32" else {
        throw CheckpointError.unsupportedType(path: path, name: name, dtype: dtype)
      }
      let shape = dims.compactMap { if case .integer(let n) = $0 { n } else { nil } }
      // A header may lie: the element count is computed without overflow, and checked
      // against the file's length before anything is allocated.
      let count = shape.reduce(Optional(1)) { product, size in
        product.flatMap { p in
          let (next, overflow) = p.multipliedReportingOverflow(by: size)
          return overflow ? nil : next
        }
      }
      guard shape.count == dims.count, end >= begin, let count,
        count <= Int.max / 4, end - begin == count * 4
      else {
        throw CheckpointError.corruptHeader(
          path: path,
          reason: "entry \(name): shape \(shape) does not fill bytes \(begin)..<\(end)")
      }
      entries.append((name, shape, begin, end))
    }
    let expectedEnd = entries.map(\.end).max() ?? 0
    guard expectedEnd <= bytes.count - dataStart else {
      let promised = expectedEnd > Int.max - dataStart ? Int.max : dataStart + expectedEnd
      throw CheckpointError.truncated(
        path: path, expectedBytes: promised, actualBytes: bytes.count)
    }
    guard dataStart + expectedEnd == bytes.count else {
      throw CheckpointError.corruptHeader(
        path: path,
        reason: "\(bytes.count - dataStart - expectedEnd) bytes after the last tensor")
    }
    if let checksum = metadata[checksumKey] {
      guard let digits = checksumDigits(in: bytes, checksum: checksum),
        Self.checksum(of: bytes, digits: digits) == checksum
      else {
        throw CheckpointError.checksumMismatch(path: path)
      }
      metadata[checksumKey] = nil
    } else if requiresChecksum {
      throw CheckpointError.missingChecksum(path: path)
    }
    var tensors: [String: Tensor] = [:]
    for (name, shape, begin, end) in entries {
      let values = (0..<(end - begin) / 4).map { i -> Float in
        let at = dataStart + begin + 4 * i
        let bits =
          UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8
          | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        return Float(bitPattern: bits)
      }
      tensors[name] = Tensor(shape: shape, data: values)
    }
    return (tensors, metadata)
  }

  /// Where the eight digits of the header entry `"mmi.crc32":"<checksum>"` sit in a
  /// file's bytes; nil if the header has no such entry. (The metadata comes first, but
  /// long values, such as a curriculum's records, may sort before the entry.)
  static func checksumDigits(in bytes: [UInt8], checksum: String) -> Range<Int>? {
    let entry = Array("\"\(checksumKey)\":\"\(checksum)\"".utf8)
    guard checksum.utf8.count == 8, bytes.count >= 8 + entry.count else { return nil }
    let headerSize = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    let headerEnd = 8 + Int(min(headerSize, UInt64(bytes.count - 8)))
    let last = min(bytes.count - entry.count, headerEnd - entry.count)
    guard last >= 8 else { return nil }
    let start = (8...last).first { bytes[$0..<($0 + entry.count)].elementsEqual(entry) }
    return start.map { ($0 + entry.count - 9)..<($0 + entry.count - 1) }
  }

  /// The CRC-32 of a whole file with its checksum's digits read as zeros, so that the
  /// checksum can be written into the file it covers.
  static func checksum(of bytes: [UInt8], digits: Range<Int>) -> String {
    var zeroed = bytes
    zeroed.replaceSubrange(digits, with: repeatElement(UInt8(ascii: "0"), count: 8))
    return hexadecimal(crc32(zeroed))
  }

  /// Writes atomically: to a temporary file in the same folder, flushed to disk, then
  /// renamed over `path`. A crash at any point leaves the previous file intact.
  public static func write(
    _ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:],
    to path: String
  ) throws {
    // Sealed with a CRC-32 of the whole file: a damaged copy never loads silently.
    var sealedMetadata = metadata
    sealedMetadata[checksumKey] = "00000000"
    var bytes = encode(tensors, metadata: sealedMetadata)
    let digits = checksumDigits(in: bytes, checksum: "00000000")!
    bytes.replaceSubrange(digits, with: Array(checksum(of: bytes, digits: digits).utf8))
    do {
      try writeFileAtomically(bytes, to: path)
    } catch {
      throw CheckpointError.cannotWrite(path: path, reason: error.reason)
    }
  }

  /// Reads and decodes a file (see `decode` for the checksum).
  public static func read(
    from path: String, requiresChecksum: Bool = false
  ) throws
    -> (tensors: [String: Tensor], metadata: [String: String])
  {
    let bytes: [UInt8]
    do {
      bytes = try readFileBytes(path)
    } catch {
      throw CheckpointError.cannotOpen(path: path, reason: error.reason)
    }
    return try decode(bytes, path: path, requiresChecksum: requiresChecksum)
  }
}


extension Layer {
  /// Saves every parameter (and, if given, the optimiser's state) to a safetensors file.
  public func save(
    to path: String, optimizer: Optimizer? = nil, metadata: [String: String] = [:]
  ) throws {
    var tensors = namedParameters
    var allMetadata = metadata
    if let optimizer {
      let state = optimizer.state()
      tensors += state.tensors
      allMetadata.merge(state.metadata) { _, new in new }
    }
    try SafeTensors.write(tensors, metadata: allMetadata, to: path)
  }

  /// Loads every parameter from a file written by `save`: each must be present with the
  /// same shape, and no unknown tensor may be present (optimiser state aside). Values are
  /// copied into the existing parameters. Returns the file's metadata.
  @discardableResult
  public func load(
    from path: String, optimizer: Optimizer? = nil
  ) throws -> [String: String] {
    let (tensors, metadata) = try SafeTensors.read(from: path, requiresChecksum: true)
    let parameters = namedParameters
    try checkEveryParameterIsSaved(parameters, in: tensors, path: path)
    let known = Set(parameters.map(\.name))
    for name in tensors.keys.sorted()
    where !known.contains(name) && !name.hasPrefix("optimizer.") {
      throw CheckpointError.unexpectedTensor(path: path, name: name)
    }
    for (name, parameter) in parameters { parameter.assign(tensors[name]!.data) }
    try optimizer?.restore(tensors: tensors, metadata: metadata, path: path)
    return metadata
  }
}

/// Throws unless `tensors` holds every one of `parameters` with its shape.
func checkEveryParameterIsSaved(
  _ parameters: [(name: String, tensor: Tensor)], in tensors: [String: Tensor],
  path: String
) throws {
  for (name, parameter) in parameters {
    guard let saved = tensors[name] else {
      throw CheckpointError.missingTensor(path: path, name: name)
    }
    guard saved.shape == parameter.shape else {
      throw CheckpointError.shapeMismatch(
        path: path, name: name, expected: parameter.shape, found: saved.shape)
    }
  }
}
