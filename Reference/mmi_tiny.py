"""MMI-Tiny in plain PyTorch: the PyTorch twin of the book's Swift model.

One file, written from the same definitions as the book's modules (Chapters 2-9), so
that a reader who outgrows two CPU cores can carry the model to GPUs and many machines.
Every module's attribute names are the Swift properties' names, so `state_dict()` names
are the names in the book's safetensors checkpoints, one to one (hence camelCase here:
`model.language.blocks.0.attention.query.weight` is the same tensor in both).

What each piece computes is the Swift code's definition; where PyTorch has the operation
(grid_sample, group_norm, cross_entropy) it is used, and `parity.py` checks that the
result is ours. Shapes use the book's vocabulary: B batch, T tokens, C channels, H x W
spatial, N images, L levels, P points, h heads, d head width.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------------------------
# Chapter 2: layers
# ---------------------------------------------------------------------------------

class Embedding(nn.Module):
    """A table of vectors looked up by index (the Swift `Embedding`, whose tensor is
    named `table`)."""

    def __init__(self, count, width, std=0.02):
        super().__init__()
        self.table = nn.Parameter(torch.randn(count, width) * std)

    def forward(self, ids):
        return self.table[ids]  # ids.shape + [C]


class RMSNorm(nn.Module):
    """x / sqrt(mean(x^2) + eps) * gain over the last axis (LLaMA's norm)."""

    def __init__(self, width, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + self.eps) * self.weight


class MultiHeadAttention(nn.Module):
    """softmax(Q K^T / sqrt(d) + mask) V in h heads, then an output projection; keys
    and values come from `context` (cross-attention) or from x itself."""

    def __init__(self, width, heads, context_width=None):
        super().__init__()
        context_width = context_width or width
        self.query = nn.Linear(width, width)
        self.key = nn.Linear(context_width, width)
        self.value = nn.Linear(context_width, width)
        self.output = nn.Linear(width, width)
        self.heads = heads

    def split(self, x):  # [B, T, C] -> [B, h, T, d]
        b, t, c = x.shape
        return x.view(b, t, self.heads, c // self.heads).transpose(1, 2)

    def forward(self, x, context=None, mask=None):
        source = x if context is None else context
        q, k, v = self.split(self.query(x)), self.split(self.key(source)), \
            self.split(self.value(source))
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])  # [B, h, T, S]
        if mask is not None:
            scores = scores + mask
        mixed = scores.softmax(-1) @ v  # [B, h, T, d]
        b, h, t, d = mixed.shape
        return self.output(mixed.transpose(1, 2).reshape(b, t, h * d))


class DigitCNN(nn.Module):
    """Chapter 2's classifier of the 16x16 digits."""

    def __init__(self):
        super().__init__()
        self.first = nn.Conv2d(1, 16, 3, padding=1)
        self.second = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.third = nn.Conv2d(32, 32, 3, stride=2, padding=1)
        self.output = nn.Linear(32 * 4 * 4, 10)

    def forward(self, images):  # [B, 1, 16, 16] -> scores [B, 10]
        x = F.relu(self.third(F.relu(self.second(F.relu(self.first(images))))))
        return self.output(x.flatten(1))


# ---------------------------------------------------------------------------------
# Chapter 3: the Vision Transformer and its feature pyramid
# ---------------------------------------------------------------------------------

def gelu(x):
    """GELU in its tanh form, as the book's engine computes it."""
    return F.gelu(x, approximate="tanh")


class FeedForward(nn.Module):
    def __init__(self, width, hidden=None):
        super().__init__()
        self.up = nn.Linear(width, hidden or 4 * width)
        self.down = nn.Linear(hidden or 4 * width, width)

    def forward(self, x):
        return self.down(gelu(self.up(x)))


class TransformerBlock(nn.Module):
    """Pre-norm: x + attention(LN(x)), then x + feed-forward(LN(x))."""

    def __init__(self, width, heads):
        super().__init__()
        self.attentionNorm = nn.LayerNorm(width)
        self.attention = MultiHeadAttention(width, heads)
        self.feedForwardNorm = nn.LayerNorm(width)
        self.feedForward = FeedForward(width)

    def forward(self, x, mask=None):
        x = x + self.attention(self.attentionNorm(x), mask=mask)
        return x + self.feedForward(self.feedForwardNorm(x))


@dataclass
class VisionConfiguration:
    imageSize: int = 32  # the paper: 224
    patchSize: int = 4  # 14
    width: int = 64  # 1024
    layers: int = 4  # 24
    heads: int = 4  # 16


class VisionTransformer(nn.Module):
    def __init__(self, c=VisionConfiguration()):
        super().__init__()
        tokens = (c.imageSize // c.patchSize) ** 2
        self.patchEmbedding = nn.Conv2d(3, c.width, c.patchSize, stride=c.patchSize)
        self.positions = nn.Parameter(torch.randn(tokens, c.width) * 0.02)  # [M, C]
        self.blocks = nn.ModuleList(
            TransformerBlock(c.width, c.heads) for _ in range(c.layers))
        self.finalNorm = nn.LayerNorm(c.width)

    def forward(self, images):  # [B, 3, H, W] -> [B, M, C]
        x = self.patchEmbedding(images).flatten(2).transpose(1, 2) + self.positions
        for block in self.blocks:
            x = block(x)
        return self.finalNorm(x)


def sin_cos_positions(channels, height, width):
    """[C, H, W]: channels k*C/4 + i hold sin(y w_i), cos(y w_i), sin(x w_i),
    cos(x w_i) for k = 0..3, with w_i = 10000^(-i/(C/4))."""
    quarter = channels // 4
    frequency = np.float32(10000.0) ** (-np.arange(quarter, dtype=np.float32)
                                        / np.float32(quarter))
    y = np.arange(height, dtype=np.float32)[:, None, None] * frequency  # [H, 1, C/4]
    x = np.arange(width, dtype=np.float32)[None, :, None] * frequency  # [1, W, C/4]
    y, x = np.broadcast_to(y, (height, width, quarter)), \
        np.broadcast_to(x, (height, width, quarter))
    codes = np.concatenate([np.sin(y), np.cos(y), np.sin(x), np.cos(x)], axis=2)
    return torch.from_numpy(np.ascontiguousarray(codes.transpose(2, 0, 1)))


class FeaturePyramid(nn.Module):
    """ViT-Adapter in miniature: a convolutional stem at 16^2, 8^2, 4^2 plus the ViT's
    8x8 grid brought to each scale, then fixed 2-D sine-cosine positions."""

    def __init__(self, vit_width=64, channels=64):
        super().__init__()
        self.stem16 = nn.Conv2d(3, channels // 2, 3, stride=2, padding=1)
        self.stem16Refine = nn.Conv2d(channels // 2, channels, 3, padding=1)
        self.stem8 = nn.Conv2d(channels, channels, 3, stride=2, padding=1)
        self.stem4 = nn.Conv2d(channels, channels, 3, stride=2, padding=1)
        self.stemNorm16 = nn.GroupNorm(8, channels)
        self.stemNorm8 = nn.GroupNorm(8, channels)
        self.stemNorm4 = nn.GroupNorm(8, channels)
        self.fuse16 = nn.Conv2d(vit_width, channels, 1)
        self.fuse8 = nn.Conv2d(vit_width, channels, 1)
        self.fuse4 = nn.Conv2d(vit_width, channels, 1)
        self.channels = channels

    def forward(self, images, vit_tokens):
        b, _, width = vit_tokens.shape
        grid = vit_tokens.transpose(1, 2).reshape(b, width, 8, 8)  # [B, C, 8, 8]
        detail16 = F.relu(self.stemNorm16(self.stem16Refine(F.relu(self.stem16(images)))))
        detail8 = F.relu(self.stemNorm8(self.stem8(detail16)))
        detail4 = F.relu(self.stemNorm4(self.stem4(detail8)))
        maps = [
            detail16 + self.fuse16(F.interpolate(grid, scale_factor=2, mode="nearest")),
            detail8 + self.fuse8(grid),
            detail4 + self.fuse4(F.avg_pool2d(grid, 2)),
        ]
        return [m + sin_cos_positions(self.channels, m.shape[2], m.shape[3]).to(m)
                for m in maps]


class ImageEncoder(nn.Module):
    """Chapter 3's encoder: the ViT's tokens [B, 64, C] and maps at 16^2, 8^2, 4^2."""

    def __init__(self, c=VisionConfiguration()):
        super().__init__()
        self.vit = VisionTransformer(c)
        self.pyramid = FeaturePyramid(c.width)

    def forward(self, images):
        tokens = self.vit(images)
        return tokens, self.pyramid(images, tokens)


def unit_length(x):
    return x / torch.sqrt((x * x).sum(-1, keepdim=True) + 1e-12)


class TextEncoder(nn.Module):
    def __init__(self, vocabulary, length, width=64, layers=2, heads=4):
        super().__init__()
        self.embedding = Embedding(vocabulary, width)
        self.positions = nn.Parameter(torch.randn(length, width) * 0.02)
        self.blocks = nn.ModuleList(TransformerBlock(width, heads) for _ in range(layers))
        self.finalNorm = nn.LayerNorm(width)

    def forward(self, ids):  # [B, L] (0 = padding) -> [B, C], the mean of real tokens
        real = (ids != 0).to(self.positions.dtype)
        mask = torch.where(ids != 0, 0.0, -math.inf).to(real)[:, None, None, :]
        x = self.embedding(ids) + self.positions
        for block in self.blocks:
            x = block(x, mask=mask)
        return (self.finalNorm(x) * real[..., None]).sum(1) / real.sum(1, keepdim=True)


class MiniCLIP(nn.Module):
    """Chapter 3's contrastive pre-training of the ViT against captions."""

    def __init__(self, vocabulary, text_length, embedding=64):
        super().__init__()
        self.vision = VisionTransformer()
        self.text = TextEncoder(vocabulary, text_length)
        self.imageProjection = nn.Linear(64, embedding, bias=False)
        self.textProjection = nn.Linear(64, embedding, bias=False)
        self.logitScale = nn.Parameter(torch.tensor([2.659]))

    def embed_images(self, images):
        return unit_length(self.imageProjection(self.vision(images).mean(1)))

    def embed_texts(self, ids):
        return unit_length(self.textProjection(self.text(ids)))

    def loss(self, images, ids):
        logits = self.embed_images(images) @ self.embed_texts(ids).T \
            * self.logitScale.exp()
        targets = torch.arange(len(ids))
        return 0.5 * (F.cross_entropy(logits, targets)
                      + F.cross_entropy(logits.T, targets))


# ---------------------------------------------------------------------------------
# Chapter 4: the Perceiver Resampler
# ---------------------------------------------------------------------------------

class ResamplerLayer(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.latentNorm = nn.LayerNorm(width)
        self.mediaNorm = nn.LayerNorm(width)
        self.attention = MultiHeadAttention(width, heads)
        self.feedForwardNorm = nn.LayerNorm(width)
        self.feedForward = FeedForward(width)

    def forward(self, latents, media, mask=None):
        z = self.latentNorm(latents)
        context = torch.cat([self.mediaNorm(media), z], 1)  # [B, M + K, C]
        latents = latents + self.attention(z, context=context, mask=mask)
        return latents + self.feedForward(self.feedForwardNorm(latents))


class PerceiverResampler(nn.Module):
    """K learned latents read M media tokens (and themselves): [B, M, C] -> [B, K, C]."""

    def __init__(self, tokens, width, layers=2, heads=4):
        super().__init__()
        self.latents = nn.Parameter(torch.randn(tokens, width) * 0.02)
        self.layers = nn.ModuleList(ResamplerLayer(width, heads) for _ in range(layers))
        self.finalNorm = nn.LayerNorm(width)

    def forward(self, media, media_mask=None):
        b = media.shape[0]
        z = self.latents.expand(b, -1, -1)
        mask = None
        if media_mask is not None:  # [B, M] bool, True = real; latents always visible
            latents = torch.ones(b, len(self.latents), dtype=bool)
            keys = torch.cat([media_mask, latents], 1)
            mask = torch.where(keys, 0.0, -math.inf).to(media)[:, None, None, :]
        for layer in self.layers:
            z = layer(z, media, mask)
        return self.finalNorm(z)


# ---------------------------------------------------------------------------------
# Chapter 5: the Multi-Modal Feature Synchronizer
# ---------------------------------------------------------------------------------

@dataclass
class SynchronizerConfiguration:
    queryWidth: int = 128  # the paper: 5120
    valueWidth: int = 64  # 1024
    attentionWidth: int = 64  # 1024
    outputWidth: int = 128  # 5120
    heads: int = 4  # 16
    levels: int = 3  # 3
    points: int = 4  # 8
    baseGrid: float = 16.0  # 16
    maxImages: int = 8  # 50
    offsetInitMagnitude: float = 3.0


def recency_indices(visible):
    """[B, T, N] bool -> 1 for the latest visible image, 2 for the one before, ...,
    0 for an image a token cannot see."""
    later = visible.flip(-1).long().cumsum(-1).flip(-1)  # visible images at or after j
    return later * visible.long()


class MultiModalFeatureSynchronizer(nn.Module):
    """Every token looks at P learned points of every level of every image it may see;
    one softmax per (token, head) spans images x levels x (points + a null slot)."""

    def __init__(self, c=SynchronizerConfiguration()):
        super().__init__()
        self.c = c
        self.queryProjection = nn.Linear(c.queryWidth, c.queryWidth)
        self.recency = Embedding(c.maxImages, c.queryWidth)
        self.samplingOffsets = nn.Linear(c.queryWidth, c.heads * c.points * 2)
        self.attentionLogits = nn.Linear(
            c.queryWidth, c.heads * c.levels * (c.points + 1))
        self.valueProjection = nn.Linear(c.valueWidth, c.attentionWidth)
        self.outputProjection = nn.Linear(c.attentionWidth, c.outputWidth)
        with torch.no_grad():  # upstream's start: a fixed random pattern of offsets
            nn.init.zeros_(self.samplingOffsets.weight)
            m = c.offsetInitMagnitude
            self.samplingOffsets.bias.uniform_(-m, m)

    def sampling_pattern(self, x, reference, n, visible):
        """Locations [B, T, N, h, P, 2] and weights [B, T, h, N, L, P + 1]."""
        c = self.c
        b, t, _ = x.shape
        h, p, levels = c.heads, c.points, c.levels
        queries = self.queryProjection(x)[:, :, None] \
            + self.recency(recency_indices(visible))  # [B, T, N, Cq]
        offsets = self.samplingOffsets(queries).view(b, t, n, h, p, 2)
        locations = reference.view(b, t, 1, 1, 1, 2) + offsets / c.baseGrid
        logits = self.attentionLogits(queries).view(b, t, n, h, levels, p + 1)
        hidden = torch.where(visible, 0.0, -10000.0).to(x)  # upstream's additive mask
        points = logits[..., :p] + hidden[:, :, :, None, None, None]
        null = torch.full_like(logits[..., :1], -math.log(n * levels))
        rows = torch.cat([points, null], -1).permute(0, 1, 3, 2, 4, 5)  # [B,T,h,N,L,P+1]
        weights = rows.reshape(b, t, h, -1).softmax(-1).view(rows.shape)
        return locations, weights

    # MARK: book:twin-mmfs
    def forward(self, x, reference, maps, visible):
        """x [B, T, Cq], reference [B, T, 2] in [0, 1]^2, maps L x [B, N, C, H_l, W_l],
        visible [B, T, N] bool -> [B, T, Cout]."""
        c = self.c
        b, t, _ = x.shape
        n = maps[0].shape[1]
        h, p = c.heads, c.points
        d = c.attentionWidth // h
        locations, weights = self.sampling_pattern(x, reference, n, visible)
        # grid_sample wants [-1, 1] with align_corners=False: px = x W - 0.5, as ours.
        grid = (locations * 2 - 1).permute(0, 2, 3, 1, 4, 5) \
            .reshape(b * n * h, t, p, 2)  # [B N h, T, P, 2]
        read = 0
        for level, map_ in enumerate(maps):
            height, width = map_.shape[3:]
            values = self.valueProjection(map_.permute(0, 1, 3, 4, 2))  # [B,N,H,W,hd]
            values = values.view(b, n, height, width, h, d) \
                .permute(0, 1, 4, 5, 2, 3).reshape(b * n * h, d, height, width)
            samples = F.grid_sample(
                values, grid, mode="bilinear", padding_mode="zeros",
                align_corners=False).view(b, n, h, d, t, p)  # [B, N, h, d, T, P]
            level_weights = weights[:, :, :, :, level, :p].permute(0, 3, 2, 1, 4)
            read = read + torch.einsum("bnhdtp,bnhtp->bthd", samples, level_weights)
        return self.outputProjection(read.reshape(b, t, h * d))
    # MARK: end


def normalised_over_channels(maps, norm):
    """Each map [B, N, C, H, W] normalised over C by `norm` (which works on a last
    axis)."""
    return [norm(m.permute(0, 1, 3, 4, 2)).permute(0, 1, 4, 2, 3) for m in maps]


# ---------------------------------------------------------------------------------
# Chapter 6: the LLaMA-style decoder
# ---------------------------------------------------------------------------------

def rope(x, start=0, base=10000.0):
    """Rotary positions on x [B, h, T, d]: channel i is turned with channel i + d/2 by
    the angle (start + t) * base^(-2i/d)."""
    t, d = x.shape[-2], x.shape[-1]
    half = d // 2
    theta = base ** (-2 * torch.arange(half, dtype=torch.float32) / d)
    angle = (torch.arange(start, start + t, dtype=torch.float32)[:, None] * theta).to(x)
    cos, sin = angle.cos(), angle.sin()  # [T, d/2]
    a, b = x[..., :half], x[..., half:]
    return torch.cat([a * cos - b * sin, b * cos + a * sin], -1)


class CausalSelfAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.query = nn.Linear(width, width, bias=False)
        self.key = nn.Linear(width, width, bias=False)
        self.value = nn.Linear(width, width, bias=False)
        self.output = nn.Linear(width, width, bias=False)
        self.heads = heads

    def forward(self, x):
        b, t, c = x.shape

        def split(y):
            return y.view(b, t, self.heads, c // self.heads).transpose(1, 2)

        q, k = rope(split(self.query(x))), rope(split(self.key(x)))
        scores = q @ k.transpose(-1, -2) / math.sqrt(c // self.heads)
        causal = torch.ones(t, t, dtype=bool).triu(1)
        scores = scores.masked_fill(causal, -math.inf)
        mixed = scores.softmax(-1) @ split(self.value(x))  # [B, h, T, d]
        return self.output(mixed.transpose(1, 2).reshape(b, t, c))


class SwiGLU(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.gate = nn.Linear(width, hidden, bias=False)
        self.up = nn.Linear(width, hidden, bias=False)
        self.down = nn.Linear(hidden, width, bias=False)

    def forward(self, x):
        return self.down(F.silu(self.gate(x)) * self.up(x))


class DecoderBlock(nn.Module):
    """x + attention(norm(x)); then MM-Interleaved's `between` (MMFS); then
    x + SwiGLU(norm(x))."""

    def __init__(self, width, heads, hidden):
        super().__init__()
        self.attentionNorm = RMSNorm(width)
        self.attention = CausalSelfAttention(width, heads)
        self.feedForwardNorm = RMSNorm(width)
        self.feedForward = SwiGLU(width, hidden)

    def forward(self, x, between=None):
        h = x + self.attention(self.attentionNorm(x))
        if between is not None:
            h = between(h)
        return h + self.feedForward(self.feedForwardNorm(h))


@dataclass
class LanguageModelConfiguration:
    vocabularySize: int
    width: int = 128  # Vicuna-13B: 5120
    layers: int = 4  # 40
    heads: int = 4  # 40
    hiddenWidth: int = 352  # 13824


class LanguageModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embedding = Embedding(c.vocabularySize, c.width)
        self.blocks = nn.ModuleList(
            DecoderBlock(c.width, c.heads, c.hiddenWidth) for _ in range(c.layers))
        self.norm = RMSNorm(c.width)
        self.head = nn.Linear(c.width, c.vocabularySize, bias=False)

    def hidden_states(self, x, between=None):
        """Final states [B, T, C] for embeddings x; between(layer, h) is MMFS's hook."""
        for i, block in enumerate(self.blocks):
            hook = None if between is None else (lambda h, i=i: between(i, h))
            x = block(x, hook)
        return self.norm(x)

    def forward(self, ids):  # [B, T] -> logits [B, T, V]
        return self.head(self.hidden_states(self.embedding(ids)))


# ---------------------------------------------------------------------------------
# Chapter 7: diffusion
# ---------------------------------------------------------------------------------

def timestep_embedding(timesteps, width):
    """[B] -> [B, width]: sin(t w_i) then cos(t w_i), w_i = 10000^(-i/(width/2))."""
    half = width // 2
    frequency = np.float32(10000.0) ** (-np.arange(half, dtype=np.float32)
                                        / np.float32(half))
    angle = np.asarray(timesteps, dtype=np.float32)[:, None] * frequency
    return torch.from_numpy(np.concatenate([np.sin(angle), np.cos(angle)], 1))


class NoiseSchedule:
    """Linear betas, as the Swift `NoiseSchedule.linear` computes them in Float, with
    alpha-bar's product taken in Double."""

    def __init__(self, steps=200, first=5e-4, last=0.1):
        first, last = np.float32(first), np.float32(last)
        self.betas = [first + (last - first) * np.float32(i) / np.float32(steps - 1)
                      for i in range(steps)]
        product, bars = 1.0, []
        for beta in self.betas:
            product *= 1.0 - float(beta)
            bars.append(np.float32(product))
        self.alphaBars = torch.tensor(np.array(bars, dtype=np.float32))
        self.steps = steps

    def noised(self, x0, t, noise):  # sqrt(a) x0 + sqrt(1 - a) noise, per example
        a = self.alphaBars[t].to(x0).view(-1, *([1] * (x0.dim() - 1)))
        return x0 * a.sqrt() + noise * (1 - a).sqrt()


class TimeEmbedding(nn.Module):
    def __init__(self, code_width, width):
        super().__init__()
        self.code_width = code_width
        self.first = nn.Linear(code_width, width)
        self.second = nn.Linear(width, width)

    def forward(self, timesteps):
        code = timestep_embedding(timesteps, self.code_width).to(self.first.weight)
        return self.second(F.silu(self.first(code)))


class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, time_width, groups):
        super().__init__()
        self.firstNorm = nn.GroupNorm(groups, in_channels)
        self.firstConv = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.time = nn.Linear(time_width, out_channels)
        self.secondNorm = nn.GroupNorm(groups, out_channels)
        self.secondConv = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.shortcut = None if in_channels == out_channels \
            else nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x, t):
        h = self.firstConv(F.silu(self.firstNorm(x)))
        h = h + self.time(F.silu(t))[:, :, None, None]
        h = self.secondConv(F.silu(self.secondNorm(h)))
        return (x if self.shortcut is None else self.shortcut(x)) + h


class ConditionAttention(nn.Module):
    """Every pixel attends to the condition tokens; added back as a residual."""

    def __init__(self, channels, context_width, heads, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels)
        self.attention = MultiHeadAttention(channels, heads, context_width)

    def forward(self, x, context):
        b, c, h, w = x.shape
        pixels = self.norm(x).flatten(2).transpose(1, 2)  # [B, HW, C]
        attended = self.attention(pixels, context=context)
        return x + attended.transpose(1, 2).reshape(b, c, h, w)


@dataclass
class UNetConfiguration:
    imageChannels: int = 3
    channels: list = field(default_factory=lambda: [32, 64, 64])
    attentionLevels: tuple = (1, 2)
    contextWidth: int = 128
    timeCodeWidth: int = 32
    timeWidth: int = 128
    heads: int = 4
    groups: int = 8


class UNet(nn.Module):
    """Predicts the noise in x_t given the timestep and condition tokens. Levels without
    cross-attention have no entry in `downAttention`/`upAttention` (the Swift arrays'
    nil), so a ModuleDict keyed by the index keeps the checkpoint names."""

    def __init__(self, c=UNetConfiguration()):
        super().__init__()
        self.c = c
        levels = len(c.channels)

        def attention(channels):
            return ConditionAttention(channels, c.contextWidth, c.heads, c.groups)

        self.time = TimeEmbedding(c.timeCodeWidth, c.timeWidth)
        self.input = nn.Conv2d(c.imageChannels, c.channels[0], 3, padding=1)
        self.down, self.downAttention = nn.ModuleList(), nn.ModuleDict()
        self.downsample = nn.ModuleList()
        for level in range(levels):
            self.down.append(ResidualBlock(
                c.channels[max(level - 1, 0)], c.channels[level], c.timeWidth, c.groups))
            if level in c.attentionLevels:
                self.downAttention[str(level)] = attention(c.channels[level])
            if level < levels - 1:
                self.downsample.append(nn.Conv2d(
                    c.channels[level], c.channels[level], 3, stride=2, padding=1))
        deepest = c.channels[-1]
        self.middleFirst = ResidualBlock(deepest, deepest, c.timeWidth, c.groups)
        self.middleAttention = attention(deepest)
        self.middleSecond = ResidualBlock(deepest, deepest, c.timeWidth, c.groups)
        self.up, self.upAttention = nn.ModuleList(), nn.ModuleDict()
        self.upsample = nn.ModuleList()
        for i, level in enumerate(reversed(range(levels))):
            source = deepest if level == levels - 1 else c.channels[level + 1]
            self.up.append(ResidualBlock(
                source + c.channels[level], c.channels[level], c.timeWidth, c.groups))
            if level in c.attentionLevels:
                self.upAttention[str(i)] = attention(c.channels[level])
            if level > 0:
                self.upsample.append(
                    nn.Conv2d(c.channels[level], c.channels[level], 3, padding=1))
        self.outputNorm = nn.GroupNorm(c.groups, c.channels[0])
        self.output = nn.Conv2d(c.channels[0], c.imageChannels, 3, padding=1)

    def forward(self, x, timesteps, context, hook=None):
        """hook(site, features) -> features sees each skip ("skip", level) and the
        middle ("middle", None): where MM-Interleaved adds MMFS."""
        levels = len(self.c.channels)
        t = self.time(timesteps)
        h, skips = self.input(x), []
        for level in range(levels):
            h = self.down[level](h, t)
            if str(level) in self.downAttention:
                h = self.downAttention[str(level)](h, context)
            skips.append(h if hook is None else hook(("skip", level), h))
            if level < levels - 1:
                h = self.downsample[level](h)
        h = self.middleSecond(self.middleAttention(self.middleFirst(h, t), context), t)
        h = h if hook is None else hook(("middle", None), h)
        for i, level in enumerate(reversed(range(levels))):
            h = self.up[i](torch.cat([h, skips[level]], 1), t)
            if str(i) in self.upAttention:
                h = self.upAttention[str(i)](h, context)
            if level > 0:
                h = self.upsample[i](F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.output(F.silu(self.outputNorm(h)))


# ---------------------------------------------------------------------------------
# Chapter 8: MM-Interleaved
# ---------------------------------------------------------------------------------

class DecoderSynchronizer(nn.Module):
    """h + tanh(alpha) MMFS(RMSNorm(h), RMSNorm over the maps' channels), every token's
    reference point the image centre."""

    def __init__(self, c):
        super().__init__()
        self.queryNorm = RMSNorm(c.queryWidth)
        self.mapNorm = RMSNorm(c.valueWidth)
        self.synchronizer = MultiModalFeatureSynchronizer(c)
        self.gate = nn.Parameter(torch.zeros(1))

    def forward(self, h, maps, visible):
        b, t, _ = h.shape
        centre = torch.full((b, t, 2), 0.5).to(h)
        read = self.synchronizer(self.queryNorm(h), centre,
                                 normalised_over_channels(maps, self.mapNorm), visible)
        return h + self.gate.tanh() * read


class DecoderCrossAttention(nn.Module):
    """Chapter 10's dense alternative to MMFS (the paper's Table 7): every token attends
    to every cell of every level of every image it may see, plus one always-visible key
    of value zero (the null slot), through a tanh gate that starts closed."""

    def __init__(self, c):
        super().__init__()
        self.queryNorm = RMSNorm(c.queryWidth)
        self.mapNorm = RMSNorm(c.valueWidth)
        self.attention = MultiHeadAttention(c.queryWidth, c.heads, c.valueWidth)
        self.gate = nn.Parameter(torch.zeros(1))

    def forward(self, h, maps, visible):
        b, t, _ = h.shape
        n, channels = maps[0].shape[1], maps[0].shape[2]
        cells, owners = [], []  # every cell of every level, image by image per level
        for m in maps:
            height, width = m.shape[3:]
            cells.append(m.permute(0, 1, 3, 4, 2)
                         .reshape(b, n * height * width, channels))  # [B, N H W, C_v]
            owners += [j for j in range(n) for _ in range(height * width)]
        keys = self.mapNorm(torch.cat(cells, 1))  # [B, S, C_v]
        context = torch.cat([keys, torch.zeros(b, 1, channels).to(keys)], 1)
        hidden = ~visible[:, :, torch.tensor(owners)]  # [B, T, S]
        mask = torch.where(hidden, -math.inf, 0.0).to(h)
        mask = torch.cat([mask, torch.zeros(b, t, 1).to(h)], 2)[:, None]  # [B,1,T,S+1]
        read = self.attention(self.queryNorm(h), context, mask)
        return h + self.gate.tanh() * read


class ZeroConvolutionGate(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.projection = nn.Conv2d(channels, channels, 1)
        nn.init.zeros_(self.projection.weight)
        nn.init.zeros_(self.projection.bias)

    def forward(self, host, features):
        return host + self.projection(features)


class UNetSynchronizer(nn.Module):
    """MMFS at one U-Net site: each pixel (LayerNorm + its 2-D sine-cosine code) reads
    the previous image's maps around its own centre; in through a zero 1x1 conv."""

    def __init__(self, channels, side, base):
        super().__init__()
        c = SynchronizerConfiguration(**{**base.__dict__, "queryWidth": channels,
                                         "outputWidth": channels, "baseGrid": float(side),
                                         "maxImages": 2, "offsetInitMagnitude": 1.0})
        self.queryNorm = nn.LayerNorm(channels)
        self.mapNorm = nn.LayerNorm(c.valueWidth)
        self.synchronizer = MultiModalFeatureSynchronizer(c)
        self.output = ZeroConvolutionGate(channels)
        self.side = side
        codes = sin_cos_positions(channels, side, side).reshape(channels, -1).T
        self.register_buffer("positionCode", codes.contiguous(), persistent=False)
        centre = (torch.arange(side, dtype=torch.float32) + 0.5) / side
        rows, columns = torch.meshgrid(centre, centre, indexing="ij")
        centres = torch.stack([columns, rows], -1).reshape(-1, 2)  # (x, y), row by row
        self.register_buffer("centres", centres, persistent=False)

    def forward(self, features, maps, has_previous):
        b, c, s, _ = features.shape
        pixels = features.flatten(2).transpose(1, 2)  # [B, S^2, C]
        queries = self.queryNorm(pixels) + self.positionCode
        visible = has_previous[:, None, None].expand(b, s * s, 1)
        read = self.synchronizer(queries, self.centres.expand(b, -1, -1),
                                 normalised_over_channels(maps, self.mapNorm), visible)
        return self.output(features, read.transpose(1, 2).reshape(b, c, s, s))


@dataclass
class InterleavedConfiguration:
    vocabularySize: int
    visualTokens: int = 8  # the paper: 64
    visualResamplerLayers: int = 2
    synchronizedLayers: tuple = (0, 2)
    conditionTokens: int = 8  # 77
    conditionLayers: int = 1
    diffusionSteps: int = 200  # 1000
    conditionDropProbability: float = 0.1
    imageLossWeight: float = 2.0  # 10
    trainsEncoder: bool = False
    imageLossTrainsDecoder: bool = True
    # Chapter 10's ablation switches; the defaults are MM-Interleaved.
    decoderImageReader: str = "synchronizer"  # or "crossAttention" (Table 7)
    decoderLevels: tuple = (0, 1, 2)  # the pyramid levels the decoder reads (Table 8)
    decoderReadsEarlierImages: bool = True  # or the latest image only (Table 8)
    unetSynchronizes: bool = True  # the U-Net's MMFS (Table 6c)
    vision: VisionConfiguration = field(default_factory=VisionConfiguration)
    decoderSynchronizer: SynchronizerConfiguration = field(
        default_factory=SynchronizerConfiguration)
    # The U-Net's MMFS: heads, levels, points and the maps' width (query and output
    # widths are each site's channels).
    unetSynchronizer: SynchronizerConfiguration = field(
        default_factory=SynchronizerConfiguration)
    unet: UNetConfiguration = field(default_factory=UNetConfiguration)

    @property
    def language(self):
        return LanguageModelConfiguration(self.vocabularySize)


class Sequence:
    """A packed sequence (the Swift `PackedSequence`): tokens, the document of each
    (-1: padding), where documents start, each image's <img> and document."""

    def __init__(self, tokens, documents, documentStarts, beginImages, imageDocuments,
                 trainsTextBeforeFirstImage, slotsPerImage, special, **_):
        self.tokens, self.documents = list(tokens), list(documents)
        self.documentStarts, self.beginImages = list(documentStarts), list(beginImages)
        self.imageDocuments = list(imageDocuments)
        self.trains_before_first = [bool(f) for f in trainsTextBeforeFirstImage]
        self.slots = slotsPerImage
        (self.padding, self.beginning, self.end, self.beginImage,
         self.imageSlot) = special

    @property
    def length(self):
        return len(self.tokens)

    @property
    def image_count(self):
        return len(self.beginImages)

    def slot_positions(self):
        return [b + 1 + k for b in self.beginImages for k in range(self.slots)]

    def visibility(self):
        """[T, N] bool: the images of a token's document whose first slot is at or
        before it."""
        v = torch.zeros(self.length, self.image_count, dtype=bool)
        for j, (begin, document) in enumerate(zip(self.beginImages, self.imageDocuments)):
            for t in range(begin + 1, self.length):
                v[t, j] = self.documents[t] == document
        return v

    def text_targets(self):
        first_image = {}
        for begin, document in zip(self.beginImages, self.imageDocuments):
            first_image.setdefault(document, begin + 1)
        structural = {self.padding, self.imageSlot, self.beginning}
        targets = []
        for t in range(self.length):
            if t + 1 >= self.length:
                targets.append(-1)
                continue
            nxt, d = self.tokens[t + 1], self.documents[t + 1]
            hidden = nxt in structural \
                or (nxt == self.beginImage and self.tokens[t] == self.beginning) \
                or (d >= 0 and not self.trains_before_first[d]
                    and t + 1 < first_image.get(d, self.length))
            targets.append(-1 if hidden else nxt)
        return targets

    def condition_span(self, j):
        """Image j's condition: its document's <s> through its <img>, nearest first."""
        start = self.documentStarts[self.imageDocuments[j]]
        return list(range(self.beginImages[j], start - 1, -1))

    def is_conditioned(self, j):
        return len(self.condition_span(j)) > 2


def pick_rows(x, picks, shape):
    """Rows of x [R, ...] by index (None: a row of zeros) into shape + x.shape[1:]."""
    zeros = torch.zeros(1, *x.shape[1:]).to(x)
    table = torch.cat([x, zeros], 0)
    index = torch.tensor([len(x) if p is None else p for p in picks], dtype=torch.long)
    return table[index].view(*shape, *x.shape[1:])


class MMInterleaved(nn.Module):
    """The whole model: encoder and maps (Ch. 3), visual resampler (Ch. 4), decoder
    (Ch. 6) with MMFS (Ch. 5), condition path and U-Net with MMFS (Ch. 7)."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        width = c.language.width
        self.encoder = ImageEncoder(c.vision)
        self.visualResampler = PerceiverResampler(
            c.visualTokens, c.vision.width, c.visualResamplerLayers, c.vision.heads)
        self.visualProjection = nn.Linear(c.vision.width, width)
        nn.init.normal_(self.visualProjection.weight, std=1e-3)
        nn.init.zeros_(self.visualProjection.bias)
        self.beginImageVector = nn.Parameter(torch.zeros(width))
        self.language = LanguageModel(c.language)
        dense = c.decoderImageReader == "crossAttention"
        self.decoderSynchronizers = nn.ModuleList(
            DecoderSynchronizer(c.decoderSynchronizer)
            for _ in ([] if dense else c.synchronizedLayers))
        self.decoderCrossAttentions = nn.ModuleList(
            DecoderCrossAttention(c.decoderSynchronizer)
            for _ in (c.synchronizedLayers if dense else []))
        self.conditionProjection = nn.Linear(width, width)
        self.conditionResampler = PerceiverResampler(
            c.conditionTokens, width, c.conditionLayers, c.language.heads)
        self.nullCondition = nn.Parameter(torch.randn(1, c.conditionTokens, width) * 0.02)
        self.unet = UNet(c.unet)
        sites = [(ch, c.vision.imageSize >> i) for i, ch in enumerate(c.unet.channels)]
        sites.append(sites[-1])  # the middle block
        self.unetSynchronizers = nn.ModuleList(
            UNetSynchronizer(ch, side, c.unetSynchronizer)
            for ch, side in (sites if c.unetSynchronizes else []))
        self.schedule = NoiseSchedule(c.diffusionSteps)

    # -- reading ---------------------------------------------------------------------

    def encode(self, images):
        """[I, 3, 32, 32] in [0, 1] -> visual tokens [I, K, C] and the maps,
        L x [I, C_v, H, W]."""
        with torch.set_grad_enabled(self.c.trainsEncoder and torch.is_grad_enabled()):
            tokens, maps = self.encoder(images)
        return self.visualProjection(self.visualResampler(tokens)), maps

    @staticmethod
    def image_offsets(sequences):
        offsets = [0]
        for s in sequences[:-1]:
            offsets.append(offsets[-1] + s.image_count)
        return offsets

    def embed(self, sequences, visual):
        """Token embeddings with each image's K tokens in its slots and the learned
        vector added at every <img>: [B, T, C]."""
        b, t = len(sequences), sequences[0].length
        k, width = self.c.visualTokens, self.c.language.width
        ids = torch.tensor([s.tokens for s in sequences])
        text = self.language.embedding(ids).reshape(b * t, width)
        rows = list(range(b * t))
        offsets = self.image_offsets(sequences)
        for s, (sequence, offset) in enumerate(zip(sequences, offsets)):
            for n, slot in enumerate(sequence.slot_positions()):
                rows[s * t + slot] = b * t + offset * k + n
        table = torch.cat([text, visual.reshape(-1, width)], 0)
        tokens = table[torch.tensor(rows)].view(b, t, width)
        opens = (ids == sequences[0].beginImage).to(tokens)[..., None]
        return tokens + opens * self.beginImageVector

    def decoder_maps(self, sequences, maps):
        """Maps L x [B, N, C_v, H, W] (missing images zero) and visible [B, T, N]."""
        n = max(1, max(s.image_count for s in sequences))
        picks, visible = [], []
        for sequence, offset in zip(sequences, self.image_offsets(sequences)):
            count = sequence.image_count
            picks += [offset + j if j < count else None for j in range(n)]
            rows = torch.zeros(sequence.length, n, dtype=bool)
            rows[:, :count] = sequence.visibility()
            if not self.c.decoderReadsEarlierImages:  # the most recent image only
                counted = rows.long().cumsum(1)  # visible images up to each one
                rows = rows & (counted == counted[:, -1:])
            visible.append(rows)
        levels = [maps[level] for level in self.c.decoderLevels]
        picked = [pick_rows(m, picks, (len(sequences), n)) for m in levels]
        return picked, torch.stack(visible)

    def decoder_states(self, sequences, visual, maps):
        x = self.embed(sequences, visual)
        decoder_maps, visible = self.decoder_maps(sequences, maps)
        layers = list(self.c.synchronizedLayers)

        def between(layer, h):
            if layer not in layers:
                return h
            readers = self.decoderCrossAttentions \
                if self.c.decoderImageReader == "crossAttention" \
                else self.decoderSynchronizers
            return readers[layers.index(layer)](h, decoder_maps, visible)

        return self.language.hidden_states(x, between)

    # -- the joint loss --------------------------------------------------------------

    def text_loss(self, states, sequences):
        logits = self.language.head(states)
        targets = torch.tensor([t for s in sequences for t in s.text_targets()])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets,
                               ignore_index=-1)

    def conditioned_images(self, sequences):
        """(sequence, image, batch index) of every image with context to learn from."""
        return [(s, j, offset + j)
                for s, (sequence, offset) in enumerate(
                    zip(sequences, self.image_offsets(sequences)))
                for j in range(sequence.image_count) if sequence.is_conditioned(j)]

    def conditions(self, states, sequences, picked):
        """[n, S, C]: each picked image's context states, nearest first, projected,
        given sine-cosine positions, and resampled with the padding hidden."""
        b, t, c = states.shape
        spans = [[s * t + p for p in sequences[s].condition_span(j)]
                 for s, j, _ in picked]
        longest = max(len(span) for span in spans)
        rows = [span[i] if i < len(span) else None
                for span in spans for i in range(longest)]
        context = pick_rows(states.reshape(b * t, c), rows, (len(picked), longest))
        placed = self.conditionProjection(context) \
            + timestep_embedding(list(range(longest)), c).to(context)
        real = torch.tensor([[i < len(span) for i in range(longest)] for span in spans])
        return self.conditionResampler(placed, real)

    def previous_image_maps(self, sequences, maps, picked):
        previous = []
        for s, j, index in picked:
            documents = sequences[s].imageDocuments
            previous.append(index - 1 if j > 0 and documents[j - 1] == documents[j]
                            else None)
        picked_maps = [pick_rows(m, previous, (len(picked), 1)) for m in maps]
        return picked_maps, torch.tensor([p is not None for p in previous])

    def unet_hook(self, maps, has_previous):
        if not self.c.unetSynchronizes:  # Table 6(c)'s ablation
            return None
        levels = len(self.c.unet.channels)

        def hook(site, features):
            copies = features.shape[0] // len(has_previous)  # 2 under guidance
            tiled = [m.repeat(copies, 1, 1, 1, 1) for m in maps]
            block = self.unetSynchronizers[site[1] if site[0] == "skip" else levels]
            return block(features, tiled, has_previous.repeat(copies))

        return hook

    def loss(self, sequences, images, timesteps=None, noise=None, dropped=None):
        """L = L_text + lambda L_image for packed `sequences` and their images
        [I, 3, 32, 32]. The image loss's draws (timesteps, noise, which conditions are
        dropped) are taken from torch's generator unless given (parity passes ours).
        Returns (total, text, image, states)."""
        visual, maps = self.encode(images)
        states = self.decoder_states(sequences, visual, maps)
        text = self.text_loss(states, sequences)
        picked = self.conditioned_images(sequences)
        if not picked:
            image = torch.zeros((), dtype=states.dtype)
            return text + self.c.imageLossWeight * image, text, image, states
        n = len(picked)
        context = states if self.c.imageLossTrainsDecoder else states.detach()
        conditions = self.conditions(context, sequences, picked)  # [n, S, C]
        previous, has_previous = self.previous_image_maps(sequences, maps, picked)
        clean = images[torch.tensor([index for _, _, index in picked])] * 2 - 1
        if timesteps is None:
            timesteps = torch.randint(0, self.schedule.steps, (n,))
            noise = torch.randn_like(clean)
            dropped = torch.rand(n) < self.c.conditionDropProbability
        noisy = self.schedule.noised(clean, timesteps, noise)
        keep = (~dropped).to(conditions)[:, None, None]
        conditions = conditions * keep + self.nullCondition * (1 - keep)
        predicted = self.unet(noisy, timesteps.tolist(), conditions,
                              self.unet_hook(previous, has_previous))
        image = F.mse_loss(predicted, noise) * (n / len(images))
        return text + self.c.imageLossWeight * image, text, image, states


# ---------------------------------------------------------------------------------
# Checkpoints: the book's safetensors files, loaded under the same names
# ---------------------------------------------------------------------------------

def load_state(module, tensors, path="<memory>"):
    """Copies a checkpoint's tensors into `module`, requiring every parameter with its
    shape and no unknown tensor (optimiser state aside), as the Swift `load` does."""
    state = module.state_dict()
    for name, value in state.items():
        if name not in tensors:
            raise KeyError(
                f"checkpoint {path} has no tensor {name}, which the model needs")
        if list(tensors[name].shape) != list(value.shape):
            raise ValueError(f"checkpoint {path}: {name} is {list(tensors[name].shape)}, "
                             f"the model expects {list(value.shape)}")
    unknown = [n for n in tensors if n not in state and not n.startswith("optimizer.")]
    if unknown:
        raise KeyError(f"checkpoint {path}: tensor {unknown[0]} matches no parameter")
    with torch.no_grad():
        for name, value in state.items():
            value.copy_(torch.from_numpy(tensors[name]))
