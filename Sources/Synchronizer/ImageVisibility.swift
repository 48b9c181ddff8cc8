import Autograd

// MARK: book:visibility
/// Which images each token may look at, in a packed sequence of several documents.
///
/// MM-Interleaved's rule: a token sees the images of its own document whose first image
/// token is at or before it. (A token never sees another document's images, nor images
/// still to come.) The result is [T, N] row-major: `visible[t * N + j]`.
public func imageVisibility(
  tokenDocuments: [Int], imageStarts: [Int], imageDocuments: [Int]
) -> [Bool] {
  require(
    imageStarts.count == imageDocuments.count,
    "imageVisibility", "\(imageStarts.count) image starts but "
      + "\(imageDocuments.count) image documents")
  let n = imageStarts.count
  var visible = [Bool](repeating: false, count: tokenDocuments.count * n)
  for (t, document) in tokenDocuments.enumerated() {
    for j in 0..<n where imageDocuments[j] == document && imageStarts[j] <= t {
      visible[t * n + j] = true
    }
  }
  return visible
}
// MARK: end

/// The recency index of each image for each token: 1 for the most recent visible image,
/// 2 for the one before it, …, and 0 for an image the token cannot see. [T, N] row-major,
/// like the visibility it is computed from.
public func recencyIndices(_ visible: [Bool], images n: Int) -> [Int] {
  var recency = [Int](repeating: 0, count: visible.count)
  for t in 0..<(n == 0 ? 0 : visible.count / n) {
    let row = visible[(t * n)..<((t + 1) * n)]
    var later = row.filter { $0 }.count  // visible images at or after j
    for j in 0..<n where visible[t * n + j] {
      recency[t * n + j] = later
      later -= 1
    }
  }
  return recency
}
