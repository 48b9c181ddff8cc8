import Platform

/// A model that an earlier chapter trains and saves, and how a later chapter finds it.
public struct SavedModel: Sendable {
  /// The chapter that writes it, e.g. 3.
  public let chapter: Int
  /// What it is, for messages: "the encoder".
  public let name: String
  /// The checkpoints of its full and quick runs.
  public let fullPath: String, quickPath: String
  /// How long the writing chapter takes, for messages: "~20 s", "~5 min".
  public let quickTime: String, fullTime: String

  public init(
    chapter: Int, name: String, fullPath: String, quickPath: String, quickTime: String,
    fullTime: String
  ) {
    (self.chapter, self.name, self.fullPath, self.quickPath) =
      (chapter, name, fullPath, quickPath)
    (self.quickTime, self.fullTime) = (quickTime, fullTime)
  }

  /// Which checkpoint to load: for a full run the fully trained one if it exists, else
  /// (and always for a quick run) the quick one, so that a quick run's transcript never
  /// depends on whether a full run happened before. Nil if neither is there.
  public func path(full: Bool) -> String? {
    let candidates = full ? [fullPath, quickPath] : [quickPath]
    return candidates.first { access($0, F_OK) == 0 }
  }

  /// Where the writing chapter saves it: its full run's file or its quick run's.
  public func savingPath(full: Bool) -> String { full ? fullPath : quickPath }

  /// Loads the saved weights into `model` and returns the file's path; a missing or
  /// unreadable file throws an error that says which chapter to run.
  public func load(into model: Layer, full: Bool) throws(SavedModelError) -> String {
    guard let path = path(full: full) else {
      throw SavedModelError(model: self, problem: nil)
    }
    do {
      try model.load(from: path)
    } catch {
      throw SavedModelError(
        model: self, problem: (error as? CheckpointError)?.problem ?? "\(error)")
    }
    return path
  }
}

/// A model an earlier chapter saves is missing or cannot be read; says what to run.
public struct SavedModelError: Error, CustomStringConvertible {
  public let model: SavedModel
  /// What is wrong with the file, or nil when there is none.
  public let problem: String?

  public var description: String {
    let chapter = model.chapter < 10 ? "0\(model.chapter)" : "\(model.chapter)"
    let run = """
        swift run -c release Chapter\(chapter)          (quick, \(model.quickTime))
        swift run -c release Chapter\(chapter) --full   (the fully trained one, \
      \(model.fullTime))
      """
    guard let problem else {
      return "This chapter needs \(model.name) Chapter \(model.chapter) trains and "
        + "saves. Run it first:\n" + run
    }
    let name = model.name.prefix(1).uppercased() + model.name.dropFirst()
    return "\(name) that Chapter \(model.chapter) saved cannot be used: \(problem).\n"
      + "Run Chapter \(model.chapter) again to write it anew:\n" + run
  }
}
