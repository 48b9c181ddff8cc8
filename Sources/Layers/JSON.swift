/// The small part of JSON that a safetensors header uses: objects, arrays, strings and
/// non-negative integers. Written here so the library needs no Foundation.
enum JSONValue: Equatable {
  case object([(String, JSONValue)])
  case array([JSONValue])
  case string(String)
  case integer(Int)

  static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.object(let x), .object(let y)):
      x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    case (.array(let x), .array(let y)): x == y
    case (.string(let x), .string(let y)): x == y
    case (.integer(let x), .integer(let y)): x == y
    default: false
    }
  }

  /// Compact JSON text (no spaces), keys in the given order.
  var text: String {
    switch self {
    case .object(let members):
      "{" + members.map { quoted($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
    case .array(let items): "[" + items.map(\.text).joined(separator: ",") + "]"
    case .string(let s): quoted(s)
    case .integer(let n): String(n)
    }
  }

  subscript(key: String) -> JSONValue? {
    if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
    return nil
  }
}

private func quoted(_ s: String) -> String {
  var out = "\""
  for scalar in s.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\t": out += "\\t"
    case "\r": out += "\\r"
    default:
      if scalar.value < 0x20 {
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out + "\""
}

/// A recursive-descent parser over UTF-8 bytes.
struct JSONParser {
  struct Failure: Error { let message: String }
  let bytes: [UInt8]
  var position = 0
  /// Objects and arrays open around the current position. A safetensors header nests
  /// three deep; a hostile file nesting thousands deep must not exhaust the stack.
  var depth = 0
  static let maximumDepth = 32

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  static func parse(_ bytes: [UInt8]) throws -> JSONValue {
    var parser = JSONParser(bytes)
    let value = try parser.value()
    parser.skipSpace()
    guard parser.position == bytes.count else {
      throw parser.failure("extra text after JSON")
    }
    return value
  }

  func failure(_ message: String) -> Failure {
    Failure(message: "\(message) at byte \(position)")
  }

  mutating func skipSpace() {
    while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) {
      position += 1
    }
  }

  mutating func expect(_ byte: UInt8) throws {
    skipSpace()
    guard position < bytes.count, bytes[position] == byte else {
      throw failure("expected '\(Character(UnicodeScalar(byte)))'")
    }
    position += 1
  }

  mutating func value() throws -> JSONValue {
    skipSpace()
    guard position < bytes.count else { throw failure("unexpected end") }
    switch bytes[position] {
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      guard depth < Self.maximumDepth else { throw failure("nested too deeply") }
      depth += 1
      defer { depth -= 1 }
      return bytes[position] == UInt8(ascii: "{") ? try object() : try array()
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try integer())
    default: throw failure("unexpected character")
    }
  }

  mutating func object() throws -> JSONValue {
    try expect(UInt8(ascii: "{"))
    var members: [(String, JSONValue)] = []
    skipSpace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
      position += 1
      return .object(members)
    }
    while true {
      skipSpace()
      let key = try string()
      try expect(UInt8(ascii: ":"))
      members.append((key, try value()))
      skipSpace()
      guard position < bytes.count else { throw failure("unterminated object") }
      if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
      try expect(UInt8(ascii: "}"))
      return .object(members)
    }
  }

  mutating func array() throws -> JSONValue {
    try expect(UInt8(ascii: "["))
    var items: [JSONValue] = []
    skipSpace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
      position += 1
      return .array(items)
    }
    while true {
      items.append(try value())
      skipSpace()
      guard position < bytes.count else { throw failure("unterminated array") }
      if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
      try expect(UInt8(ascii: "]"))
      return .array(items)
    }
  }

  mutating func string() throws -> String {
    try expect(UInt8(ascii: "\""))
    var utf8: [UInt8] = []
    while position < bytes.count {
      let byte = bytes[position]
      position += 1
      if byte == UInt8(ascii: "\"") { return String(decoding: utf8, as: UTF8.self) }
      guard byte == UInt8(ascii: "\\") else { utf8.append(byte); continue }
      guard position < bytes.count else { break }
      let escaped = bytes[position]
      position += 1
      switch escaped {
      case UInt8(ascii: "n"): utf8.append(0x0A)
      case UInt8(ascii: "t"): utf8.append(0x09)
      case UInt8(ascii: "r"): utf8.append(0x0D)
      case UInt8(ascii: "b"): utf8.append(0x08)
      case UInt8(ascii: "f"): utf8.append(0x0C)
      case UInt8(ascii: "u"):
        guard position + 4 <= bytes.count,
          let code = UInt32(
            String(decoding: bytes[position..<position + 4], as: UTF8.self),
            radix: 16),
          let scalar = UnicodeScalar(code)
        else { throw failure("bad \\u escape") }
        utf8 += Array(String(Character(scalar)).utf8)
        position += 4
      default: utf8.append(escaped)  // \" \\ \/
      }
    }
    throw failure("unterminated string")
  }

  mutating func integer() throws -> Int {
    var value = 0
    let start = position
    while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
      let (product, overflow1) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflow2) = product.addingReportingOverflow(Int(bytes[position] - 0x30))
      guard !overflow1 && !overflow2 else { throw failure("number too large") }
      value = sum
      position += 1
    }
    guard position > start else { throw failure("expected a number") }
    return value
  }
}
