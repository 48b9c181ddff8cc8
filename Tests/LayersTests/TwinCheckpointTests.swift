import Autograd
import Layers
import Testing

/// Files written by the PyTorch twin (`Reference/safetensors_io.py`) load here: the
/// bytes below are what its `encode` wrote for a 2×2 weight and a bias, sealed with
/// its CRC-32 (the header's JSON as text, then the floats).
@Suite("Checkpoints the PyTorch twin writes")
struct TwinCheckpointTests {
  static let header =
    #"{"__metadata__":{"mmi.crc32":"17f7cbb6","writer":"twin"},"#
    + #""bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
    + #""weight":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]}}  "#

  static func file(header: String = header) -> [UInt8] {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
    bytes += Array(header.utf8)
    for value: Float in [0.5, -0.25, 1, 2, 3, 4] {
      withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
    }
    return bytes
  }

  @Test func loadsWithItsChecksum() throws {
    let (tensors, metadata) = try SafeTensors.decode(
      Self.file(), path: "twin.safetensors", requiresChecksum: true)
    #expect(metadata == ["writer": "twin"])
    #expect(tensors["weight"]?.shape == [2, 2])
    #expect(tensors["weight"]?.data == [1, 2, 3, 4])
    #expect(tensors["bias"]?.data == [0.5, -0.25])
  }

  /// The checksum covers the file: a changed number is refused, so the test above
  /// shows that the twin seals its files the way ours are checked.
  @Test func aChangedByteIsRefused() {
    var damaged = Self.file()
    damaged[damaged.count - 1] ^= 1
    #expect(throws: CheckpointError.checksumMismatch(path: "twin.safetensors")) {
      _ = try SafeTensors.decode(
        damaged, path: "twin.safetensors", requiresChecksum: true)
    }
  }
}
