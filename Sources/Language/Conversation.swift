// MARK: book:vicuna
/// A conversation in Vicuna's template (v1.1, the one MM-Interleaved's instruction
/// tuning inherits): a system sentence, then turns written
/// "USER: question ASSISTANT: answer</s>", separated by spaces.
public struct Conversation: Sendable {
  public static let vicunaSystem =
    "A chat between a curious user and an artificial intelligence assistant. "
    + "The assistant gives helpful, detailed, and polite answers to the user's questions."

  public var system: String
  /// The turns; the last answer may be nil (a prompt waiting for the model's reply).
  public var turns: [(user: String, assistant: String?)]

  public init(system: String = vicunaSystem, turns: [(user: String, assistant: String?)])
  {
    (self.system, self.turns) = (system, turns)
  }

  /// One piece of the template: text, whether it belongs to an assistant's answer, and
  /// whether it is a special token (`<s>`, `</s>`) rather than text.
  public struct Part: Sendable, Equatable {
    public let text: String
    public let isAnswer: Bool, isSpecial: Bool
  }

  /// The template's pieces in order: `<s>`, the system sentence, then per turn
  /// " USER: … ASSISTANT:" and the answer " …" closed by `</s>`.
  public var parts: [Part] {
    var parts = [
      Part(text: "<s>", isAnswer: false, isSpecial: true),
      Part(text: system, isAnswer: false, isSpecial: false),
    ]
    for (user, assistant) in turns {
      parts.append(
        Part(text: " USER: \(user) ASSISTANT:", isAnswer: false, isSpecial: false))
      guard let assistant else { break }
      parts.append(Part(text: " \(assistant)", isAnswer: true, isSpecial: false))
      parts.append(Part(text: "</s>", isAnswer: true, isSpecial: true))
    }
    return parts
  }

  // MARK: end
  // MARK: book:vicuna-tokens
  /// The conversation's text without its special tokens: what a tokenizer trains on.
  public var text: String { parts.filter { !$0.isSpecial }.map(\.text).joined() }

  /// The conversation's tokens, each marked with whether it belongs to an assistant's
  /// answer (its end token included). Only the template's own `<s>` and `</s>` become
  /// special tokens; the same names typed by a user stay text.
  public func tokens(_ tokenizer: BPETokenizer) -> (ids: [Int], isAnswer: [Bool]) {
    var ids: [Int] = [], isAnswer: [Bool] = []
    for part in parts {
      let new = tokenizer.encode(part.text, parsingSpecialTokens: part.isSpecial)
      ids += new
      isAnswer += [Bool](repeating: part.isAnswer, count: new.count)
    }
    return (ids, isAnswer)
  }

  /// Inputs and next-token targets for training: `inputs` is the conversation but its
  /// last token; `targets[i]` is the token after `inputs[i]` when that token is part of
  /// an answer, and `ignored` elsewhere, so the loss teaches answering, not asking.
  public func trainingExample(
    _ tokenizer: BPETokenizer, ignored: Int = -1
  ) -> (inputs: [Int], targets: [Int]) {
    let (ids, isAnswer) = tokens(tokenizer)
    let targets = (1..<ids.count).map { isAnswer[$0] ? ids[$0] : ignored }
    return (Array(ids.dropLast()), targets)
  }
}
// MARK: end
