// Solutions to the exercises of Chapter 4.
import Autograd

public enum Chapter04Solutions {
  /// Latents K·C; per layer three LayerNorms (2C each), attention (four C×C weights and
  /// four biases) and the feed-forward block (C×4C + 4C, 4C×C + C); a final LayerNorm.
  public static func parameterCount(_ tokens: Int, _ width: Int, _ layers: Int) -> Int? {
    let c = width
    let perLayer = 3 * 2 * c + 4 * (c * c + c) + (c * 4 * c + 4 * c) + (4 * c * c + c)
    return tokens * c + layers * perLayer + 2 * c
  }

  /// [B, M, C] → [B, K, M/K, C] → mean over the group axis.
  public static func averagedTokens(_ tokens: Tensor, _ k: Int) -> Tensor? {
    let (b, n, c) = (tokens.shape[0], tokens.shape[1], tokens.shape[2])
    return tokens.reshaped([b, k, n / k, c]).mean(axis: 2)
  }
}
