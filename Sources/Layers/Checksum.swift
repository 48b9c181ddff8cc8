/// CRC-32 (the checksum of zip, PNG and Python's `zlib.crc32`): it detects every change
/// of up to 32 consecutive bits, so a flipped byte or a cut-off file never loads as a
/// different model.
public func crc32<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc = crc32Table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
  }
  return ~crc
}

/// The remainder of each byte value, for the reversed polynomial 0xEDB88320.
private let crc32Table: [UInt32] = (0..<256).map { value in
  (0..<8).reduce(UInt32(value)) { crc, _ in
    crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1
  }
}

/// Eight lowercase hexadecimal digits.
public func hexadecimal(_ value: UInt32) -> String {
  let digits = String(value, radix: 16)
  return String(repeating: "0", count: 8 - digits.count) + digits
}
