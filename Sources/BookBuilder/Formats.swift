import Foundation

/// The book's three formats, each built by pandoc and then checked, so that a broken
/// page fails the build rather than a reader: the PDF through XeLaTeX's log (a glyph
/// no font has, a line that runs into the margin), the HTML for links that go nowhere
/// and files it would need beside it, the EPUB by epubcheck.
struct BookFormats {
  /// pandoc's inputs (metadata, preface, chapters) and the options all formats share.
  let name: String
  let inputs: [String]
  let common: [String]

  /// How far past the text width a line may reach before the build fails, in points:
  /// table cells set by pandoc overrun by a point or two, invisibly.
  static let overfullAllowance = 4.0

  // MARK: PDF

  /// LaTeX from pandoc, then XeLaTeX until its cross-references settle; the log is
  /// checked. Returns the PDF's path.
  func pdf() throws -> String {
    let folder = "book/build/latex"
    try FileManager.default.createDirectory(
      atPath: folder, withIntermediateDirectories: true)
    let tex = "\(folder)/\(name).tex"
    try pandoc(
      inputs + common + [
        "--standalone", "--include-in-header", "book/latex/header.tex", "-o", tex,
      ])
    var log = ""
    for pass in 1...4 {
      let (status, output, _) = try execute(
        "xelatex",
        ["-interaction=nonstopmode", "-halt-on-error", "-output-directory", folder, tex])
      log =
        (try? String(contentsOfFile: "\(folder)/\(name).log", encoding: .utf8))
        ?? output
      guard status == 0 else {
        throw BookError(
          "xelatex failed (pass \(pass)); the end of its log:\n"
            + log.split(separator: "\n").suffix(25).joined(separator: "\n"))
      }
      // The index's entries, sorted into pages for the next pass (if the book has one).
      let entries = "\(folder)/\(name).idx"
      if FileManager.default.fileExists(atPath: entries) {
        let (status, _, errors) = try execute("makeindex", ["-q", entries])
        guard status == 0 else { throw BookError("makeindex failed:\n\(errors)") }
      }
      if !log.contains("Rerun to get") && !log.contains("Label(s) may have changed")
        && pass >= 3
      {
        break
      }
    }
    try Self.checkLaTeXLog(log)
    let pdf = "book/out/\(name).pdf"
    try? FileManager.default.removeItem(atPath: pdf)
    try FileManager.default.copyItem(atPath: "\(folder)/\(name).pdf", toPath: pdf)
    return pdf
  }

  /// Fails on a character no font could draw (it would print as nothing, or a box) and
  /// on a line that runs past the text width by more than the allowance.
  static func checkLaTeXLog(_ log: String) throws {
    let lines = log.split(separator: "\n").map(String.init)
    var problems = lines.filter { $0.hasPrefix("Missing character:") }
    for (index, line) in lines.enumerated() where line.hasPrefix("Overfull \\hbox (") {
      let amount = line.dropFirst("Overfull \\hbox (".count).prefix { $0 != "p" }
      guard let points = Double(amount), points > overfullAllowance else { continue }
      let context = index + 1 < lines.count ? lines[index + 1] : ""
      problems.append("\(line)\n    \(context.prefix(100))")
    }
    guard problems.isEmpty else {
      throw BookError(
        "the PDF has \(problems.count) problem(s) (book/build/latex has the log):\n"
          + problems.prefix(20).joined(separator: "\n"))
    }
  }

  // MARK: HTML

  /// One self-contained page with MathML, checked. Returns its path.
  func html() throws -> String {
    let html = "book/out/\(name).html"
    try pandoc(
      inputs + common + [
        "--self-contained", "--mathml", "--css", "book/html/style.css", "-o", html,
      ])
    try Self.checkHTML(try String(contentsOfFile: html, encoding: .utf8))
    return html
  }

  /// Every in-page link has its target, and nothing is loaded from beside the file
  /// (a self-contained page works when mailed or moved).
  static func checkHTML(_ page: String) throws {
    let ids = Set(matches(of: #"id="([^"]+)""#, in: page))
    let links = matches(of: ##"href="#([^"]+)""##, in: page)
    let broken = Set(links.filter { !ids.contains($0) }).sorted()
    let external = matches(
      of: ##"(?:src|href)="((?!#|data:|https?:|mailto:)[^"]+)""##, in: page)
    var problems: [String] = []
    if !broken.isEmpty {
      problems.append(
        "links to missing targets: "
          + broken.prefix(10).map { "#" + $0 }
          .joined(separator: ", "))
    }
    if !external.isEmpty {
      problems.append(
        "files it needs beside it: "
          + Set(external).sorted().prefix(10)
          .joined(separator: ", "))
    }
    if !page.contains("<math") { problems.append("no MathML: the equations are missing") }
    guard problems.isEmpty else {
      throw BookError("the HTML book: " + problems.joined(separator: "; "))
    }
  }

  // MARK: EPUB

  /// An EPUB 3 with MathML, validated by epubcheck. Returns its path.
  func epub() throws -> String {
    let epub = "book/out/\(name).epub"
    // An EPUB's date must be a date: the title page's "Built … from revision …"
    // becomes the day alone.
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyy-MM-dd"
    try pandoc(
      inputs + common + [
        "--mathml", "--css", "book/html/style.css", "--epub-chapter-level", "1",
        "--metadata", "date=\(formatter.string(from: Date()))", "-o", epub,
      ])
    // Debian's epubcheck is a jar (its /usr/bin entry needs the kernel's jar
    // support, which containers lack): run it with java directly.
    let jar = "/usr/share/java/epubcheck.jar"
    guard FileManager.default.fileExists(atPath: jar) else {
      throw BookError("epubcheck is missing (\(jar)): `make deps` installs it")
    }
    let (status, output, errors) = try execute("java", ["-jar", jar, "--quiet", epub])
    guard status == 0 else {
      throw BookError("epubcheck found problems in \(epub):\n\(output)\(errors)")
    }
    return epub
  }

  func pandoc(_ arguments: [String]) throws {
    let (status, _, errors) = try execute("pandoc", arguments)
    guard status == 0 else { throw BookError("pandoc failed:\n\(errors)") }
    guard !errors.contains("WARNING") else {
      throw BookError("pandoc warned (the book must build without warnings):\n\(errors)")
    }
  }
}

/// The first capture group of every match of `pattern` in `text`.
func matches(of pattern: String, in text: String) -> [String] {
  guard let expression = try? NSRegularExpression(pattern: pattern) else { return [] }
  let range = NSRange(text.startIndex..., in: text)
  return expression.matches(in: text, range: range).compactMap { match in
    Range(match.range(at: 1), in: text).map { String(text[$0]) }
  }
}
