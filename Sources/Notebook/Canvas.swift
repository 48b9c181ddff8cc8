import CPNG
import Platform

/// An sRGB colour.
public struct Color: Equatable, Sendable {
  public var red: UInt8, green: UInt8, blue: UInt8
  public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
    self.red = red
    self.green = green
    self.blue = blue
  }

  public static let white = Color(255, 255, 255)
  public static let black = Color(0, 0, 0)
  public static let grey = Color(120, 120, 120)
  public static let lightGrey = Color(225, 225, 225)

  /// The book's one palette for data (Okabe and Ito's, readable by colour-blind
  /// readers and in greyscale print): blue, orange, green, vermilion, sky, purple.
  public static let palette: [Color] = [
    Color(0, 114, 178), Color(230, 159, 0), Color(0, 158, 115),
    Color(213, 94, 0), Color(86, 180, 233), Color(204, 121, 167),
  ]

  /// Linear blend: t = 0 gives self, t = 1 gives other.
  public func mixed(with other: Color, _ t: Double) -> Color {
    func mix(_ a: UInt8, _ b: UInt8) -> UInt8 {
      UInt8((Double(a) * (1 - t) + Double(b) * t).rounded())
    }
    return Color(mix(red, other.red), mix(green, other.green), mix(blue, other.blue))
  }
}

/// A raster image in memory (RGB, 8 bits per channel) with the drawing we need for
/// figures: pixels, rectangles, lines, dots, text.
public struct Canvas {
  public let width: Int, height: Int
  public private(set) var pixels: [UInt8]

  public init(width: Int, height: Int, background: Color = .white) {
    self.width = width
    self.height = height
    pixels = [UInt8](repeating: 0, count: width * height * 3)
    fill(x: 0, y: 0, width: width, height: height, background)
  }

  public func color(x: Int, y: Int) -> Color {
    let i = (y * width + x) * 3
    return Color(pixels[i], pixels[i + 1], pixels[i + 2])
  }

  public mutating func set(x: Int, y: Int, _ color: Color) {
    guard x >= 0, y >= 0, x < width, y < height else { return }
    let i = (y * width + x) * 3
    pixels[i] = color.red
    pixels[i + 1] = color.green
    pixels[i + 2] = color.blue
  }

  /// Fills a rectangle; the part outside the canvas is clipped away.
  public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ color: Color) {
    let rows = max(y, 0)..<max(min(y + h, height), max(y, 0))
    let columns = max(x, 0)..<max(min(x + w, width), max(x, 0))
    for row in rows {
      for column in columns { set(x: column, y: row, color) }
    }
  }

  /// A filled disc, for data points and thick line joints.
  public mutating func dot(x: Double, y: Double, radius: Double, _ color: Color) {
    let r = Int(radius.rounded(.up))
    let cx = Int(x.rounded()), cy = Int(y.rounded())
    for dy in -r...r {
      for dx in -r...r where Double(dx * dx + dy * dy) <= radius * radius {
        set(x: cx + dx, y: cy + dy, color)
      }
    }
  }

  /// A line of the given thickness, drawn as closely spaced discs.
  public mutating func line(
    from start: (Double, Double), to end: (Double, Double), thickness: Double = 2,
    _ color: Color
  ) {
    let length =
      ((end.0 - start.0) * (end.0 - start.0)
      + (end.1 - start.1) * (end.1 - start.1)).squareRoot()
    let steps = max(Int(length * 2), 1)
    for s in 0...steps {
      let t = Double(s) / Double(steps)
      dot(
        x: start.0 + t * (end.0 - start.0), y: start.1 + t * (end.1 - start.1),
        radius: thickness / 2, color)
    }
  }

  /// Draws `text` with the 5×7 pixel font, each font pixel `scale`×`scale` screen
  /// pixels; (x, y) is the top-left corner. `vertical` turns it 90° anticlockwise
  /// (for a y-axis label), reading bottom to top from (x, y) as the bottom-left.
  public mutating func text(
    _ text: String, x: Int, y: Int, scale: Int = 2, _ color: Color = .black,
    vertical: Bool = false
  ) {
    var cursor = 0
    for character in text {
      let rows = PixelFont.rows(of: character)
      let drop = PixelFont.descenders.contains(character) ? 2 : 0
      for (row, bits) in rows.enumerated() {
        for column in 0..<PixelFont.width where bits & (0x10 >> UInt8(column)) != 0 {
          let (u, v) = (cursor + column * scale, (row + drop) * scale)
          if vertical {
            fill(x: x + v, y: y - u - scale, width: scale, height: scale, color)
          } else {
            fill(x: x + u, y: y + v, width: scale, height: scale, color)
          }
        }
      }
      cursor += (PixelFont.width + 1) * scale
    }
  }

  /// Width in pixels of `text` drawn at `scale`.
  public static func textWidth(_ text: String, scale: Int = 2) -> Int {
    max(text.count * (PixelFont.width + 1) * scale - scale, 0)
  }

  /// Pastes an image of `size`×`size` greyscale or RGB values in [0, 1], each pixel
  /// drawn as a `zoom`×`zoom` block (nearest neighbour keeps small images crisp).
  public mutating func paste(
    rgb values: [Float], width w: Int, height h: Int, x: Int, y: Int, zoom: Int
  ) {
    let channels = values.count / (w * h)
    for row in 0..<h {
      for column in 0..<w {
        let i = (row * w + column) * channels
        func byte(_ v: Float) -> UInt8 { UInt8(max(0, min(1, v)) * 255 + 0.5) }
        let c =
          channels == 1
          ? Color(byte(values[i]), byte(values[i]), byte(values[i]))
          : Color(byte(values[i]), byte(values[i + 1]), byte(values[i + 2]))
        fill(x: x + column * zoom, y: y + row * zoom, width: zoom, height: zoom, c)
      }
    }
  }
}

/// What can go wrong reading or writing a PNG file.
public struct PNGError: Error, CustomStringConvertible {
  public let path: String
  public let reason: String
  public var description: String { "PNG \(path): \(reason)" }
}

extension Canvas {
  /// Writes the image as PNG with libpng, atomically: to a temporary file first, then
  /// renamed over `path`, so a crash never leaves a half-written figure.
  public func writePNG(to path: String) throws {
    var image = png_image()
    image.version = mmi_png_image_version
    image.width = UInt32(width)
    image.height = UInt32(height)
    image.format = mmi_png_format_rgb
    let temporary = path + ".partial"
    let ok = pixels.withUnsafeBufferPointer { buffer in
      png_image_write_to_file(&image, temporary, 0, buffer.baseAddress, 0, nil)
    }
    guard ok != 0 else {
      let reason = withUnsafeBytes(of: image.message) {
        String(
          decoding:
            $0.prefix { $0 != 0 }, as: UTF8.self)
      }
      unlink(temporary)
      throw PNGError(
        path: path,
        reason: "could not write (\(reason)); does the folder "
          + "exist and is it writable?")
    }
    guard rename(temporary, path) == 0 else {
      throw PNGError(path: path, reason: "could not move the finished file into place")
    }
  }

  /// Whether the file at `path` begins with PNG's 8-byte signature.
  static func startsLikePNG(_ path: String) -> Bool {
    guard let file = fopen(path, "rb") else { return false }
    defer { fclose(file) }
    var head = [UInt8](repeating: 0, count: 8)
    let count = fread(&head, 1, 8, file)
    return count == 8 && head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
  }

  /// The most pixels a PNG may have to be read: 4,096² (a header may claim billions,
  /// and the pixels are allocated before libpng looks further).
  public static let largestReadablePixels = 4096 * 4096

  /// Reads an 8-bit RGB image from a PNG file (any PNG; libpng converts). With `size`,
  /// a file of another width and height is refused before its pixels are read.
  public static func readPNG(
    from path: String, size: (width: Int, height: Int)? = nil
  ) throws -> Canvas {
    var image = png_image()
    image.version = mmi_png_image_version
    func message() -> String {
      withUnsafeBytes(of: image.message) {
        String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
      }
    }
    guard png_image_begin_read_from_file(&image, path) != 0 else {
      let reason = startsLikePNG(path) ? "not a readable PNG file" : "not a PNG file"
      throw PNGError(path: path, reason: "\(reason) (\(message()))")
    }
    let (width, height) = (Int(image.width), Int(image.height))
    if let size, (width, height) != size {
      png_image_free(&image)
      throw PNGError(
        path: path,
        reason: "is \(width)×\(height); expected \(size.width)×\(size.height) (resize "
          + "it first, e.g. `convert in.png -resize \(size.width)x\(size.height)! "
          + "out.png`)")
    }
    guard width > 0, height > 0, width * height <= largestReadablePixels else {
      png_image_free(&image)
      throw PNGError(
        path: path,
        reason: "claims \(width)×\(height) pixels, more than this reader takes "
          + "(\(largestReadablePixels)); is the file damaged?")
    }
    image.format = mmi_png_format_rgb
    var canvas = Canvas(width: width, height: height)
    let ok = canvas.pixels.withUnsafeMutableBufferPointer { buffer in
      png_image_finish_read(&image, nil, buffer.baseAddress, 0, nil)
    }
    guard ok != 0 else {
      throw PNGError(path: path, reason: "damaged or truncated (\(message()))")
    }
    return canvas
  }
}
