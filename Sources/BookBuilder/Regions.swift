import Notebook

/// Named regions of library code the chapters show: the lines between
/// `// MARK: book:NAME` and `// MARK: end` in a file under Sources/ (or `# MARK: …` in
/// the PyTorch twin's Python under Reference/). The book shows the code that runs,
/// never a copy.
struct Regions {
  struct Region {
    let name: String
    let file: String
    let code: String
    /// The code block's language: swift, or python for the twin.
    let language: String
  }

  private(set) var byName: [String: Region] = [:]

  /// Adds the regions of one file (Swift, or Python when the file ends in .py).
  mutating func scan(_ text: String, file: String) throws {
    let python = file.hasSuffix(".py")
    let comment = python ? "#" : "//"
    let (begin, end) = ("\(comment) MARK: book:", "\(comment) MARK: end")
    var current: (name: String, start: Int, lines: [String])?
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false)
      .enumerated()
    {
      let trimmed = String(line).trimmed
      if trimmed.hasPrefix(begin) {
        let name = String(trimmed.dropFirst(begin.count)).trimmed
        guard current == nil else {
          throw BookError(
            "\(file):\(index + 1): region \(name) starts "
              + "inside region \(current!.name); close it with \(end)")
        }
        current = (name, index + 1, [])
      } else if trimmed == end {
        guard let region = current else {
          throw BookError("\(file):\(index + 1): \(end) without a region")
        }
        guard byName[region.name] == nil else {
          throw BookError(
            "\(file):\(region.start): region \(region.name) is defined "
              + "twice (also in \(byName[region.name]!.file))")
        }
        byName[region.name] = Region(
          name: region.name, file: file,
          code: dedented(region.lines).joined(separator: "\n"),
          language: python ? "python" : "swift")
        current = nil
      } else if current != nil {
        current!.lines.append(String(line))
      }
    }
    if let open = current {
      throw BookError("\(file):\(open.start): region \(open.name) is never closed")
    }
  }

  /// Removes the indentation common to all non-empty lines.
  func dedented(_ lines: [String]) -> [String] {
    let indents = lines.filter { !$0.trimmed.isEmpty }
      .map { $0.prefix { $0 == " " }.count }
    let common = indents.min() ?? 0
    var result = lines.map { $0.count >= common ? String($0.dropFirst(common)) : $0 }
    while result.first?.trimmed.isEmpty == true { result.removeFirst() }
    while result.last?.trimmed.isEmpty == true { result.removeLast() }
    return result
  }
}
