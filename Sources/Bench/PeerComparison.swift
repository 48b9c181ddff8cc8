import Foundation
import Autograd
import Notebook

/// Our figures beside the PyTorch peer's (`../shared/peer`), part by part, at each
/// thread count both were measured at: medians, and ours / PyTorch's time (below 1:
/// we are faster; DESIGN §8 aims at 0.5).
struct PeerComparison {
  /// Our runs' figures by thread count, name → (value, unit).
  var ours: [Int: [String: Double]] = [:]
  var blasCores: [Int: String] = [:]
  /// The peer's JSON lines by (mode, threads).
  var peer: [String: [String: Any]] = [:]

  init(ours files: [String], peer peerFile: String) throws {
    for file in files {
      let object = try Self.readJSON(file)
      guard let figures = object["figures"] as? [[String: Any]],
        let threads = object["threads"] as? Int
      else { throw BenchFileError.malformed(file, "no figures or threads") }
      var values: [String: Double] = [:]
      for figure in figures {
        if let name = figure["name"] as? String, let value = figure["value"] as? Double {
          values[name] = value
        }
      }
      ours[threads] = values
      blasCores[threads] = object["blasCore"] as? String
    }
    let text = try String(contentsOfFile: peerFile, encoding: .utf8)
    for line in text.split(separator: "\n") where !line.isEmpty {
      guard let data = line.data(using: .utf8),
        let record = try JSONSerialization.jsonObject(with: data) as? [String: Any],
        let mode = record["mode"] as? String
      else { throw BenchFileError.malformed(peerFile, "a line is not a JSON object") }
      peer[Self.key(mode, record["threads"] as? Int)] = record
    }
  }

  static func key(_ mode: String, _ threads: Int?) -> String {
    "\(mode)/\(threads.map(String.init) ?? "-")"
  }

  static func readJSON(_ file: String) throws -> [String: Any] {
    guard let data = FileManager.default.contents(atPath: file) else {
      throw BenchFileError.missing(file)
    }
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { throw BenchFileError.malformed(file, "not a JSON object") }
    return object
  }

  /// The peer's median in ms of one component's forward (+ backward).
  func component(_ name: String, _ threads: Int, backward: Bool = true) -> Double? {
    guard let record = peer[Self.key("components", threads)],
      let parts = record["components"] as? [String: Any],
      let part = parts[name] as? [String: Any]
    else { return nil }
    let phases = backward ? ["fwd", "bwd"] : ["fwd"]
    let medians = phases.compactMap { (part[$0] as? [String: Any])?["median"] as? Double }
    return medians.count == phases.count ? 1000 * medians.reduce(0, +) : nil
  }

  /// A median (in ms unless `scale` says otherwise) at a path of keys in one record.
  func value(_ mode: String, _ threads: Int, _ path: [String], scale: Double = 1000)
    -> Double?
  {
    var node: Any? = peer[Self.key(mode, threads)]
    for step in path { node = (node as? [String: Any])?[step] }
    return (node as? Double).map { $0 * scale }
  }

  /// (our figure's name, row label, the peer's figure at a thread count, unit).
  var rows: [(String, String, (Int) -> Double?, String)] {
    [
      ("whole step", "whole training step", { value("train", $0, ["step", "median"]) },
       "ms"),
      ("image encoder", "image encoder (ours frozen: forward)",
       { component("vit+pyramid", $0, backward: false) }, "ms"),
      ("visual resampler", "visual resampler", { component("resampler", $0) }, "ms"),
      ("decoder", "decoder without MMFS, with loss",
       { component("llm w/o mmfs (+head+CE)", $0) }, "ms"),
      ("decoder MMFS", "MMFS in the decoder", { component("mmfs llm (x2)", $0) }, "ms"),
      ("condition path", "condition resampler", { component("cond resampler", $0) },
       "ms"),
      ("U-Net", "U-Net without MMFS, with loss",
       { component("unet w/o mmfs (+MSE)", $0) }, "ms"),
      ("U-Net MMFS", "MMFS in the U-Net", { component("mmfs unet (x2)", $0) }, "ms"),
      ("optimiser", "optimiser (AdamW)", { value("train", $0, ["opt", "median"]) }, "ms"),
      ("DDIM-50 guided", "DDIM-50 + guidance, one image",
       { value("ddim", $0, ["ddim", "batched_B2", "total", "median"]) }, "ms"),
      ("64 cached tokens", "64 tokens, key–value cache",
       { value("gen", $0, ["gen", "kv_cache", "median"]) }, "ms"),
      ("peak RSS", "peak resident memory",
       { value("train", $0, ["peak_rss_mb"], scale: 1) }, "MB"),
      ("sgemm 512", "sgemm 512³ (GFLOP/s)",
       { value("gemm", $0, ["gemm", "512", "gflops_median"], scale: 1) }, "GFLOP/s"),
      ("step GEMM rate", "whole step's GEMM rate (GFLOP/s)", { threads in
        // The peer counts 28.47 GFLOP per step (matmul, convolution, attention).
        guard let step = value("train", threads, ["step", "median"], scale: 1) else {
          return nil
        }
        return 28.47 / step
      }, "GFLOP/s"),
    ]
  }

  /// The table as Markdown for the book's Appendix A: one block per thread count
  /// (ours, PyTorch's, the ratio), and where and when it was measured.
  func markdown() -> String {
    var text = ""
    for threads in ours.keys.sorted() {
      let header = [
        "\(threads) thread\(threads == 1 ? "" : "s")", "ours", "PyTorch",
        "ours / PyTorch",
      ]
      let cells = rows.map { (name, label, peerValue, unit) -> [String] in
        let mine = ours[threads]?[name], theirs = peerValue(threads)
        let ratio = mine.flatMap { m in theirs.map { m / $0 } }
        return [
          label, show(mine, unit), show(theirs, unit),
          ratio.map { formatted($0, significantDigits: 2) } ?? "–",
        ]
      }
      text += markdownTable(header, cells) + "\n\n"
    }
    let cores = Set(blasCores.values).sorted().joined(separator: ", ")
    let day = ISO8601DateFormatter.string(
      from: Date(), timeZone: TimeZone(identifier: "UTC")!,
      formatOptions: [.withFullDate])
    return text
      + "Medians, both measured back to back on one machine on \(day) (our OpenBLAS "
      + "kernels: \(cores); \(peerVersion ?? "the peer's PyTorch") with its own "
      + "BLAS). PyTorch's image encoder is timed forward only, as ours is frozen; its "
      + "MMFS in the U-Net reads at 2 sites, ours at 4.\n"
  }

  /// The peer's torch version ("torch 2.13.0+cpu"), from its `env` record if any.
  var peerVersion: String? {
    let info = peer.values.lazy.compactMap { $0["info"] as? String }.first
    return info.map { String($0.prefix { $0 != "(" && $0 != "," }).trimmed }
  }

  func printTable() {
    let threadCounts = ours.keys.sorted()
    print("Ours beside the PyTorch peer (medians; ratio = ours / PyTorch's, below 1 is")
    print("faster for times, above 1 is faster for rates)")
    for threads in threadCounts {
      print("  \(threads) thread(s): our BLAS core \(blasCores[threads] ?? "?")")
    }
    var groups = "  " + "".padded(36), columns = "  " + "".padded(36)
    for threads in threadCounts {
      groups += "\(threads) thread\(threads == 1 ? "" : "s")".padded(33, left: true)
      columns +=
        "ours".padded(17, left: true) + "PyTorch".padded(9, left: true)
        + "ratio".padded(7, left: true)
    }
    print(groups)
    print(columns)
    for (name, label, peerValue, unit) in rows {
      var line = "  " + label.padded(36)
      for threads in threadCounts {
        let mine = ours[threads]?[name], theirs = peerValue(threads)
        let ratio = mine.flatMap { m in theirs.map { m / $0 } }
        let ratioText = ratio.map { formatted($0, significantDigits: 2) } ?? "–"
        line +=
          (show(mine, unit).padded(12, left: true)
          + show(theirs, unit).padded(9, left: true) + ratioText.padded(7, left: true))
          .padded(33, left: true)
      }
      print(line)
    }
    print("  (PyTorch's image encoder is timed forward only here, as ours is frozen;")
    print("   its MMFS in the U-Net reads at 2 sites, ours at 4; see ../shared/peer)")
  }

  func show(_ value: Double?, _ unit: String) -> String {
    guard let value, value.isFinite else { return "–" }
    let suffix = unit == "ms" || unit == "MB" ? " \(unit)" : ""
    return formatted(value, significantDigits: 3) + suffix
  }
}

enum BenchFileError: Error, CustomStringConvertible {
  case missing(String), malformed(String, String)

  var description: String {
    switch self {
    case .missing(let file):
      "cannot read \(file): run `Bench --json \(file)` (or `make bench-peer`) first"
    case .malformed(let file, let why):
      "\(file) is not a bench result (\(why)); measure again with `make bench-peer`"
    }
  }
}
