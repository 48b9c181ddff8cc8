import Autograd

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What can go wrong reading or writing a checkpoint; every case says what to do.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
  case cannotOpen(path: String, reason: String)
  case cannotWrite(path: String, reason: String)
  case truncated(path: String, expectedBytes: Int, actualBytes: Int)
  case corruptHeader(path: String, reason: String)
  case unsupportedType(name: String, dtype: String)
  case missingTensor(name: String)
  case unexpectedTensor(name: String)
  case shapeMismatch(name: String, expected: [Int], found: [Int])
  case optimizerMismatch(expected: String, found: String)

  public var description: String {
    switch self {
    case .cannotOpen(let path, let reason):
      "checkpoint \(path): cannot open (\(reason)); check the path"
    case .cannotWrite(let path, let reason):
      "checkpoint \(path): cannot write (\(reason)); is the folder there and writable, "
        + "the disk full?"
    case .truncated(let path, let expected, let actual):
      "checkpoint \(path) is truncated: the header promises \(expected) bytes, the file "
        + "has \(actual); it was cut off while being copied or written. Use an earlier "
        + "checkpoint"
    case .corruptHeader(let path, let reason):
      "checkpoint \(path) is not a valid safetensors file: \(reason)"
    case .unsupportedType(let name, let dtype):
      "checkpoint tensor \(name) has type \(dtype); only F32 is supported"
    case .missingTensor(let name):
      "checkpoint has no tensor \(name), which the model needs: was it saved from a "
        + "different model or configuration?"
    case .unexpectedTensor(let name):
      "checkpoint tensor \(name) matches no parameter of the model (a different model "
        + "or configuration?)"
    case .shapeMismatch(let name, let expected, let found):
      "checkpoint tensor \(name) has shape \(found), the model expects \(expected): "
        + "the configurations differ"
    case .optimizerMismatch(let expected, let found):
      "checkpoint optimiser state is for \(found), not \(expected)"
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

  /// Parses the bytes of a safetensors file; `path` only names it in errors.
  public static func decode(
    _ bytes: [UInt8], path: String = "<memory>"
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
        path: path, expectedBytes: 8 + Int(clamping: headerSize),
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
    var tensors: [String: Tensor] = [:]
    var metadata: [String: String] = [:]
    var expectedEnd = 0
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
        throw CheckpointError.unsupportedType(name: name, dtype: dtype)
      }
      let shape = dims.compactMap { if case .integer(let n) = $0 { n } else { nil } }
      guard shape.count == dims.count, end >= begin,
        end - begin == shape.reduce(1, *) * 4
      else {
        throw CheckpointError.corruptHeader(
          path: path,
          reason: "entry \(name): shape \(shape) does not fill bytes \(begin)..<\(end)")
      }
      expectedEnd = max(expectedEnd, end)
      guard dataStart + end <= bytes.count else {
        throw CheckpointError.truncated(
          path: path, expectedBytes: dataStart + end,
          actualBytes: bytes.count)
      }
      let values = (0..<(end - begin) / 4).map { i -> Float in
        let at = dataStart + begin + 4 * i
        let bits =
          UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8
          | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        return Float(bitPattern: bits)
      }
      tensors[name] = Tensor(shape: shape, data: values)
    }
    guard dataStart + expectedEnd == bytes.count else {
      throw CheckpointError.corruptHeader(
        path: path,
        reason: "\(bytes.count - dataStart - expectedEnd) bytes after the last tensor")
    }
    return (tensors, metadata)
  }

  /// Writes atomically: to a temporary file in the same folder, flushed to disk, then
  /// renamed over `path`. A crash at any point leaves the previous file intact.
  public static func write(
    _ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:],
    to path: String
  ) throws {
    let bytes = encode(tensors, metadata: metadata)
    do {
      try writeFileAtomically(bytes, to: path)
    } catch {
      throw CheckpointError.cannotWrite(path: path, reason: error.reason)
    }
  }

  /// Reads and decodes a file.
  public static func read(
    from path: String
  ) throws
    -> (tensors: [String: Tensor], metadata: [String: String])
  {
    let bytes: [UInt8]
    do {
      bytes = try readFileBytes(path)
    } catch {
      throw CheckpointError.cannotOpen(path: path, reason: error.reason)
    }
    return try decode(bytes, path: path)
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
    let (tensors, metadata) = try SafeTensors.read(from: path)
    let parameters = namedParameters
    for (name, parameter) in parameters {
      guard let saved = tensors[name] else {
        throw CheckpointError.missingTensor(name: name)
      }
      guard saved.shape == parameter.shape else {
        throw CheckpointError.shapeMismatch(
          name: name, expected: parameter.shape,
          found: saved.shape)
      }
    }
    let known = Set(parameters.map(\.name))
    for name in tensors.keys.sorted()
    where !known.contains(name) && !name.hasPrefix("optimizer.") {
      throw CheckpointError.unexpectedTensor(name: name)
    }
    for (name, parameter) in parameters { parameter.assign(tensors[name]!.data) }
    try optimizer?.restore(tensors: tensors, metadata: metadata)
    return metadata
  }
}
