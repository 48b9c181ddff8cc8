import Autograd

/// Each of `maps` ([B, N, C, H, W]) normalised over its channels by `norm`, which
/// normalises a last axis: both Synchronizers of the model read maps prepared this way
/// (RMSNorm in the decoder, LayerNorm in the U-Net, as upstream).
func normalisedOverChannels(_ maps: [Tensor], by norm: (Tensor) -> Tensor) -> [Tensor] {
  maps.map { map in
    norm(map.permuted([0, 1, 3, 4, 2]))  // [B, N, H, W, C], normalised over C
      .permuted([0, 1, 4, 2, 3])  // [B, N, C, H, W]
  }
}
