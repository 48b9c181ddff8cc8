import Autograd
import Platform
import TestSupport
import Testing

@testable import Notebook

/// PNG chunks: where each starts (its 4-byte length), its type and its data's length.
func pngChunks(_ bytes: [UInt8]) -> [(start: Int, type: String, length: Int)] {
  var chunks: [(Int, String, Int)] = []
  var at = 8  // after the signature
  while at + 8 <= bytes.count {
    let length = bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
    let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
    chunks.append((at, type, length))
    at += 12 + length
  }
  return chunks
}

/// The CRC-32 PNG puts after each chunk (ISO 3309, over the type and the data), so a
/// mutation can make a chunk that passes the check and is wrong only in its content.
func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}

/// Writes `value` big-endian at `at`.
func put(_ value: UInt32, _ bytes: inout [UInt8], at: Int) {
  for k in 0..<4 { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (24 - 8 * k)) }
}

/// Recomputes the CRC of the chunk starting at `start` with data of `length` bytes.
func fixCRC(_ bytes: inout [UInt8], start: Int, length: Int) {
  let end = start + 8 + length
  put(crc32(bytes[(start + 4)..<end]), &bytes, at: end)
}

@Suite("PNG files a reader gives the model")
struct PNGFuzzTests {
  /// A seeded fuzz test: 1,000 damaged copies of a 32×32 PNG (cut short, bytes flipped,
  /// chunk lengths wrong, absurd dimensions with a valid CRC, invalid header fields
  /// with a valid CRC). Each must load as a 32×32 image or end in a PNGError that
  /// names the file and says what is wrong: never a crash, never another size.
  @Test func damagedFilesEndInAClearErrorNeverACrash() throws {
    var random = SeededGenerator(seed: 2024)
    var canvas = Canvas(width: 32, height: 32)
    for y in 0..<32 {
      for x in 0..<32 {
        let byte = { UInt8(random.nextInt(below: 256)) }
        canvas.set(x: x, y: y, Color(byte(), byte(), byte()))
      }
    }
    let folder = "/tmp/mmi-png-fuzz-\(getpid())"
    try makeFolders(containing: folder + "/original.png")
    let original = folder + "/original.png"
    try canvas.writePNG(to: original)
    let bytes = try readFileBytes(original)
    let chunks = pngChunks(bytes)
    let header = chunks.first { $0.type == "IHDR" }!
    var outcomes = [String: Int]()
    for trial in 0..<1000 {
      var damaged = bytes
      let kind = trial % 5
      switch kind {
      case 0: damaged = Damage.truncated(bytes, using: &random)
      case 1: damaged = Damage.flipped(bytes, using: &random)
      case 2:
        let chunk = chunks[random.nextInt(below: chunks.count)]
        let lengths: [UInt32] = [0, 1, 13, 0x7FFF_FFFF, 0xFFFF_FFFF, 100_000]
        let length =
          random.nextInt(below: 2) == 0
          ? lengths[random.nextInt(below: lengths.count)]
          : UInt32(truncatingIfNeeded: random.nextInt(below: 1 << 31))
        put(length, &damaged, at: chunk.start)
      case 3:
        let sizes: [UInt32] = [
          0, 1, 31, 33, 64, 65_535, 1 << 20, 0x7FFF_FFFF, 0xFFFF_FFFF,
        ]
        put(sizes[random.nextInt(below: sizes.count)], &damaged, at: header.start + 8)
        put(sizes[random.nextInt(below: sizes.count)], &damaged, at: header.start + 12)
        fixCRC(&damaged, start: header.start, length: header.length)
      default:
        // Bit depth, colour type, compression, filter or interlace set to any byte.
        let field = header.start + 16 + random.nextInt(below: 5)
        damaged[field] = UInt8(random.nextInt(below: 256))
        fixCRC(&damaged, start: header.start, length: header.length)
      }
      let path = folder + "/damaged-\(trial).png"
      try writeFileAtomically(damaged, to: path)
      defer { unlink(path) }
      do {
        let read = try Canvas.readPNG(from: path, size: (32, 32))
        #expect(read.width == 32 && read.height == 32 && read.pixels.count == 32 * 32 * 3)
        outcomes["read", default: 0] += 1
      } catch let error as PNGError {
        #expect(error.description.contains(path), "trial \(trial): \(error)")
        #expect(error.reason.count > 10, "trial \(trial): \(error)")
        outcomes[kind == 3 ? "refused size" : "refused", default: 0] += 1
      }
    }
    unlink(original)
    rmdir(folder)
    #expect(outcomes.values.reduce(0, +) == 1000)
    #expect((outcomes["refused"] ?? 0) > 500, "most damage is caught: \(outcomes)")
  }

  @Test func aPictureOfAnotherSizeIsRefusedWithWhatIsExpected() throws {
    let path = "/tmp/mmi-png-size-\(getpid()).png"
    defer { unlink(path) }
    try Canvas(width: 64, height: 48).writePNG(to: path)
    let error = try #require(throws: PNGError.self) {
      _ = try Canvas.readPNG(from: path, size: (32, 32))
    }
    #expect(error.reason.contains("is 64×48; expected 32×32"))
  }
}
