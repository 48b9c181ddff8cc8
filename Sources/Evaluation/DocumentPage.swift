import Interleaved
import Language

/// A piece of a continued document as a reader sees it.
public enum DocumentPiece: Sendable, Equatable {
  case text(String, new: Bool)
  case image(index: Int, drawn: Bool)
}

extension GeneratedDocument {
  /// The document in reading order: the prompt (a last image it asked for comes with
  /// what the model added), then what the model added, text decoded by `tokenizer`.
  public func pieces(_ tokenizer: BPETokenizer) -> [DocumentPiece] {
    var pieces: [DocumentPiece] = []
    var image = 0
    let promptShown =
      prompt.filter { $0 == .image }.count > givenImages
      ? prompt.dropLast() : prompt[...]
    for item in promptShown {
      switch item {
      case .text(let ids): pieces.append(.text(tokenizer.decode(ids), new: false))
      case .image:
        pieces.append(.image(index: image, drawn: false))
        image += 1
      }
    }
    var run: [Int] = []
    let flush = {
      if !run.isEmpty { pieces.append(.text(tokenizer.decode(run), new: true)) }
      run = []
    }
    for event in events {
      switch event {
      case .token(let id): run.append(id)
      case .image(let index):
        flush()
        pieces.append(.image(index: index, drawn: true))
      case .end: break
      }
    }
    flush()
    return pieces
  }

  /// What the loop did, in runs: "text ×7 → image → text ×3 → end".
  public var modes: String {
    var runs: [(mode: String, count: Int)] = []
    for event in events {
      let mode =
        switch event {
        case .token: "text"
        case .image: "image"
        case .end: "end"
        }
      if runs.last?.mode == mode {
        runs[runs.count - 1].count += 1
      } else {
        runs.append((mode, 1))
      }
    }
    return runs.map { $0.count > 1 ? "\($0.mode) ×\($0.count)" : $0.mode }
      .joined(separator: " → ")
  }

  /// The document as one line of text, images as "[image 2, drawn]" and what the
  /// model added after "⟶".
  public func transcript(_ tokenizer: BPETokenizer) -> String {
    var line = "", added = false
    for piece in pieces(tokenizer) {
      var new = false
      switch piece {
      case .text(let text, let isNew):
        new = isNew
        line += (new && !added ? " ⟶ " : " ") + text.trimmingCharacters(in: .whitespaces)
      case .image(let index, let drawn):
        new = drawn
        line +=
          (new && !added ? " ⟶ " : " ")
          + "[image \(index + 1), \(drawn ? "drawn" : "given")]"
      }
      added = added || new
    }
    return line.trimmingCharacters(in: .whitespaces)
  }

  /// A self-contained HTML page of the document: `imageFiles[i]` is image i's file
  /// (relative to the page), shown four times its size with its pixels kept sharp;
  /// what the model added is shaded; `title` and `settings` head the page.
  public func html(
    _ tokenizer: BPETokenizer, imageFiles: [String], title: String, settings: String
  ) -> String {
    precondition(imageFiles.count == images.count, "one file per image")
    var body = ""
    for piece in pieces(tokenizer) {
      switch piece {
      case .text(let text, let new):
        body += "<span class=\"\(new ? "new" : "prompt")\">\(escaped(text))</span>\n"
      case .image(let index, let drawn):
        body += """
          <figure class="\(drawn ? "new" : "prompt")">\
          <img src="\(escaped(imageFiles[index]))" \
          alt="image \(index + 1)"><figcaption>image \(index + 1), \
          \(drawn ? "drawn by the model" : "given")</figcaption></figure>

          """
      }
    }
    return """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <title>\(escaped(title))</title>
      <style>
      body { font-family: sans-serif; max-width: 44em; margin: 2em auto;
             line-height: 1.6; }
      .settings { color: #555; font-size: 90%; }
      .document { font-size: 120%; }
      .new { background: #e6f0ff; }
      figure { display: inline-block; margin: 0.3em; text-align: center; }
      figure img { width: 128px; height: 128px; image-rendering: pixelated; }
      figcaption { font-size: 70%; color: #555; }
      </style>
      </head>
      <body>
      <h1>\(escaped(title))</h1>
      <p class="settings">\(escaped(settings))</p>
      <p class="settings">Shaded: what the model added.</p>
      <div class="document">
      \(body)</div>
      </body>
      </html>

      """
  }
}

/// Text made safe to place in HTML.
func escaped(_ text: String) -> String {
  var out = ""
  for character in text {
    switch character {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    default: out.append(character)
    }
  }
  return out
}
