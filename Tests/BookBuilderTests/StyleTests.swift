import Foundation
import Testing

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite("House style")
struct HouseStyle {
  /// Every Swift line fits the printed page (STYLE.md: lines ≤ 90 columns).
  @Test func linesFitThePage() throws {
    var long: [String] = []
    for folder in ["Sources", "Chapters", "Tests", "Solutions"] {
      let base = repositoryRoot.appendingPathComponent(folder)
      let files =
        FileManager.default.enumerator(atPath: base.path)?
        .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
      for file in files {
        let text = try String(
          contentsOf: base.appendingPathComponent(file), encoding: .utf8)
        for (number, line) in text.split(
          separator: "\n", omittingEmptySubsequences: false
        )
        .enumerated() where line.count > 90 {
          long.append("\(folder)/\(file):\(number + 1) has \(line.count) columns")
        }
      }
    }
    #expect(long.isEmpty, "\(long.joined(separator: "\n"))")
  }
}
