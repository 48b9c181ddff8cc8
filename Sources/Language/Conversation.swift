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

  /// The conversation's tokens, each marked with whether it belongs to an assistant's
  /// answer (its end token included).
  public func tokens(_ tokenizer: BPETokenizer) -> (ids: [Int], isAnswer: [Bool]) {
    var ids = [tokenizer.beginning], isAnswer = [false]
    func add(_ new: [Int], answer: Bool) {
      ids += new
      isAnswer += [Bool](repeating: answer, count: new.count)
    }
    add(tokenizer.encode(system), answer: false)
    for (user, assistant) in turns {
      add(tokenizer.encode(" USER: \(user) ASSISTANT:"), answer: false)
      guard let assistant else { break }
      add(tokenizer.encode(" \(assistant)") + [tokenizer.end], answer: true)
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
