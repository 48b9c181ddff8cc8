import Autograd

/// Ways a file gets damaged on disk or in a copy, for the fuzz tests of every format
/// the book writes (checkpoints, tokenizers).
public enum Damage {
  /// The file cut off at a random length (possibly empty).
  public static func truncated(_ bytes: [UInt8], using random: inout SeededGenerator)
    -> [UInt8]
  {
    Array(bytes.prefix(random.nextInt(below: bytes.count)))
  }

  /// One to four bytes at random places changed to other values.
  public static func flipped(_ bytes: [UInt8], using random: inout SeededGenerator)
    -> [UInt8]
  {
    var copy = bytes
    for _ in 0...random.nextInt(below: 4) {
      copy[random.nextInt(below: copy.count)] ^= UInt8(1 + random.nextInt(below: 255))
    }
    return copy
  }
}
