// Solutions to the exercises of Chapter 3.
import Autograd
import Datasets

public enum Chapter03Solutions {
  /// [B, C, H, W] → [B, C, H/p, p, W/p, p] → [B, H/p, W/p, C, p, p] → [B, N, C·p·p].
  public static func patchify(_ images: Tensor, _ p: Int) -> Tensor? {
    let (b, c, h, w) = (
      images.shape[0], images.shape[1], images.shape[2], images.shape[3]
    )
    return images.reshaped([b, c, h / p, p, w / p, p])
      .permuted([0, 2, 4, 1, 3, 5])
      .reshaped([b, (h / p) * (w / p), c * p * p])
  }

  public static func contrastiveLoss(_ similarity: Tensor, _ scale: Float) -> Tensor? {
    let logits = similarity * scale
    let targets = Array(0..<similarity.shape[0])
    return
      (crossEntropy(logits, targets: targets)
      + crossEntropy(logits.transposed(), targets: targets)) * 0.5
  }

  public static func objectCountQuestion(
    _ scene: Scene
  ) -> (question: String, answer: String)? {
    ("how many objects are there?", ["zero", "one", "two", "three"][scene.objects.count])
  }
}
