"""TimeSformer video encoder with divided space-time attention.

Built from timm's ViT layers (``Attention``, ``Mlp``, ``PatchEmbed``), so the
spatial part keeps timm's parameter names and a timm ViT checkpoint loads
directly (see :mod:`mcg.weights.video_encoder_loading`); attention runs through
:func:`mcg.layers.attention.attend` (SDPA or explicit matmul, chosen per
device and dtype). Tokens are laid out time-major:
index ``1 + t * N + n`` holds patch ``n`` of frame ``t``.
"""
from __future__ import annotations

from typing import Optional

import torch
from einops import rearrange
from timm.layers import Attention, DropPath, Mlp, PatchEmbed, trunc_normal_
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from mcg.layers.attention import AUTO, attend, check_impl
from mcg.registry import MODELS
from mcg.utils.pretrained import optional
from mcg.weights.video_encoder import resize_pos_embed_2d, resize_time_embed
from mcg.weights.video_encoder_loading import load_timm_vit
from .base import BaseVideoEncoder


def run_attention(attn: Attention, x: Tensor, impl: str) -> Tensor:
    """Run a timm ``Attention``'s projections around :func:`attend`.

    timm's module keeps the parameters (and so the timm/ViT checkpoint
    names); its own forward would pick SDPA or matmul by a global flag,
    whereas mcg picks by device, dtype and length.

    Args:
        attn: timm ``Attention`` (no q/k norm, no gate).
        x: (B, N, C) tokens.
        impl: ``'auto'`` or one of :data:`mcg.layers.attention.IMPLS`.

    Returns:
        (B, N, C) output of the projection.
    """
    b, n, c = x.shape
    qkv = attn.qkv(x).reshape(b, n, 3, attn.num_heads, attn.head_dim)
    q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
    out = attend(q, k, v, dropout_p=attn.attn_drop.p if attn.training
                 else 0.0, impl=impl)
    return attn.proj_drop(attn.proj(out.transpose(1, 2).reshape(b, n, c)))


class DividedSpaceTimeBlock(nn.Module):
    """Temporal attention, then spatial attention with the CLS token, then MLP.

    Temporal attention excludes CLS; its output goes through ``temporal_fc``
    (zero-initialised, so a fresh block equals a ViT block per frame).
    Spatial attention runs per frame with a copy of CLS prepended; the per-frame
    CLS outputs are averaged back into one CLS.

    Args:
        dim: Token width.
        num_heads: Attention heads.
        mlp_ratio: MLP hidden width ratio.
        drop: Projection/MLP dropout.
        attn_drop: Attention dropout.
        drop_path: Stochastic-depth rate.
        attn_impl: Attention implementation (``'auto'``: by device, dtype
            and length, see :mod:`mcg.layers.attention`).
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.0,
                 drop: float = 0.0, attn_drop: float = 0.0,
                 drop_path: float = 0.0, attn_impl: str = AUTO) -> None:
        super().__init__()
        self.attn_impl = check_impl(attn_impl)
        self.temporal_norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.temporal_attn = Attention(dim, num_heads, qkv_bias=True,
                                       attn_drop=attn_drop, proj_drop=drop)
        self.temporal_fc = nn.Linear(dim, dim)
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads, qkv_bias=True,
                              attn_drop=attn_drop, proj_drop=drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop=drop)

    def forward(self, x: Tensor, num_frames: int) -> Tensor:
        """Run the block.

        Args:
            x: (B, 1 + T*N, D) tokens, CLS first, time-major patches.
            num_frames: T.

        Returns:
            (B, 1 + T*N, D) tokens.
        """
        b, length, d = x.shape
        n = (length - 1) // num_frames
        # split (not slicing) so backward concatenates gradients instead of
        # zero-filling two full-size buffers.
        cls, patches = x.split([1, length - 1], dim=1)
        # Temporal attention over T for each patch position. As in the
        # original TimeSformer, stochastic depth drops whole (sample, patch)
        # tubes and is applied before temporal_fc.
        xt = rearrange(patches, 'b (t n) d -> (b n) t d', t=num_frames)
        res = self.drop_path(run_attention(
            self.temporal_attn, self.temporal_norm1(xt), self.attn_impl))
        res = rearrange(res, '(b n) t d -> b (t n) d', b=b)
        patches = patches + self.temporal_fc(res)
        # Spatial attention within each frame, CLS copied into every frame.
        xs = torch.cat([cls.expand(b, num_frames, d).reshape(-1, 1, d),
                        patches.reshape(b * num_frames, n, d)], dim=1)
        res = self.drop_path(run_attention(self.attn, self.norm1(xs),
                                           self.attn_impl))
        res_cls, res_patches = res.split([1, n], dim=1)
        cls = cls + res_cls.reshape(b, num_frames, d).mean(1, keepdim=True)
        patches = patches + res_patches.reshape(b, num_frames * n, d)
        x = torch.cat([cls, patches], dim=1)
        return x + self.drop_path(self.mlp(self.norm2(x)))


@MODELS.register_module()
class TimeSformerEncoder(BaseVideoEncoder):
    """TimeSformer (divided space-time) video encoder, the paper's IVM.

    Args:
        img_size: Input resolution of the position embedding; other
            resolutions (multiples of ``patch_size``) run with it resized on
            its 2-D grid.
        patch_size: Patch size.
        num_frames: Frames per clip (size of the time embedding; other counts
            are interpolated at run time).
        embed_dims: Token width (768 for ViT-B).
        depth: Number of blocks.
        num_heads: Attention heads.
        mlp_ratio: MLP ratio.
        drop_rate: Dropout after embeddings and in blocks.
        attn_drop_rate: Attention dropout.
        drop_path_rate: Stochastic depth, linearly increasing over blocks.
        output: ``'all'`` returns CLS + all T*N patch tokens; ``'mean'``
            returns CLS + time-averaged patch tokens (the official layout).
        gradient_checkpointing: Recompute each block in backward.
        attn_impl: Attention implementation (``'auto'``: by device, dtype
            and length, see :mod:`mcg.layers.attention`).
        init_std: Std of the random init of linear layers and embeddings
            (0.02, ViT's, suits 768-wide models; narrow models trained from
            scratch learn faster with a larger one).
        zero_init_temporal_fc: Zero ``temporal_fc`` so a fresh block equals a
            per-frame ViT block (right when starting from an image model; from
            scratch it only delays learning temporal attention).
        time_embed_std: Std of the random time embedding; 0 starts it at
            zero, as TimeSformer does on top of an image model. From scratch
            a zero time embedding leaves the tokens of different frames
            interchangeable (attention is permutation-invariant), so nothing
            tells head frames from tail frames until it has grown; a time
            embedding on the scale of the patch tokens (~1) shortens that
            plateau (docs/demo.md). Pretrained weights overwrite it.
        pos_embed_std: Std of the random position embedding; None =
            ``init_std``.
        pretrained: timm ViT (model name or local file) or a TimeSformer in
            mcg's layout (output of ``tools/convert/*``), loaded by
            :meth:`init_weights` (see :func:`load_timm_vit`); None for
            random init.
        init_cfg: MMEngine init config.
    """

    def __init__(self, img_size: int = 224, patch_size: int = 16,
                 num_frames: int = 8, embed_dims: int = 768, depth: int = 12,
                 num_heads: int = 12, mlp_ratio: float = 4.0,
                 drop_rate: float = 0.0, attn_drop_rate: float = 0.0,
                 drop_path_rate: float = 0.1, output: str = 'all',
                 gradient_checkpointing: bool = False,
                 attn_impl: str = AUTO, init_std: float = 0.02, zero_init_temporal_fc: bool = True,
                 time_embed_std: float = 0.0,
                 pos_embed_std: Optional[float] = None,
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.init_std = init_std
        self.zero_init_temporal_fc = zero_init_temporal_fc
        self.time_embed_std = time_embed_std
        self.pos_embed_std = init_std if pos_embed_std is None else pos_embed_std
        if output not in ('all', 'mean'):
            raise ValueError(f"output must be 'all' or 'mean', got {output!r}")
        self.embed_dims = embed_dims
        self.num_frames = num_frames
        self.output = output
        self.gradient_checkpointing = gradient_checkpointing
        self.pretrained = pretrained
        # Non-strict: other resolutions run with a 2-D resized pos_embed.
        self.patch_embed = PatchEmbed(img_size, patch_size, 3, embed_dims,
                                      strict_img_size=False)
        num_patches = self.patch_embed.num_patches
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1,
                                                  embed_dims))
        self.time_embed = nn.Parameter(torch.zeros(1, num_frames, embed_dims))
        self.pos_drop = nn.Dropout(drop_rate)
        rates = torch.linspace(0, drop_path_rate, depth, device='cpu').tolist()
        self.blocks = nn.ModuleList([
            DividedSpaceTimeBlock(embed_dims, num_heads, mlp_ratio, drop_rate,
                                  attn_drop_rate, rate, attn_impl)
            for rate in rates
        ])
        self.norm = nn.LayerNorm(embed_dims, eps=1e-6)
        self._init_random()

    def _init_random(self) -> None:
        trunc_normal_(self.pos_embed, std=self.pos_embed_std)
        trunc_normal_(self.cls_token, std=self.init_std)
        if self.time_embed_std > 0:
            trunc_normal_(self.time_embed, std=self.time_embed_std)
        self.apply(self._init_linear)
        if self.zero_init_temporal_fc:
            for block in self.blocks:
                # A fresh block then acts as a per-frame ViT block.
                nn.init.zeros_(block.temporal_fc.weight)
                nn.init.zeros_(block.temporal_fc.bias)

    def _init_linear(self, m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            trunc_normal_(m.weight, std=self.init_std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)

    def init_weights(self) -> None:
        """Load the ImageNet ViT weights named by ``pretrained`` (if any)."""
        super().init_weights()
        if optional(self.pretrained):
            load_timm_vit(self, self.pretrained)

    def embed(self, video: Tensor) -> Tensor:
        """Patch, position and time embeddings: (B,T,C,H,W) -> (B,1+T*N,D).

        A resolution other than ``img_size`` uses the position embedding
        resized on its 2-D grid; a frame count other than ``num_frames`` uses
        the time embedding resized by nearest interpolation (as the original
        TimeSformer does).
        """
        b, t, _, h, w = video.shape
        x = self.patch_embed(video.flatten(0, 1))           # (B*T, N, D)
        pos_embed = self.pos_embed
        grid = (h // self.patch_embed.patch_size[0],
                w // self.patch_embed.patch_size[1])
        if grid != tuple(self.patch_embed.grid_size):
            pos_embed = resize_pos_embed_2d(pos_embed, grid,
                                            tuple(self.patch_embed.grid_size))
        x = x + pos_embed[:, 1:]
        x = rearrange(x, '(b t) n d -> b t n d', b=b)
        time_embed = self.time_embed
        if t != time_embed.shape[1]:
            time_embed = resize_time_embed(time_embed, t)
        x = (x + time_embed[:, :, None]).flatten(1, 2)
        cls = (self.cls_token + pos_embed[:, :1]).expand(b, -1, -1)
        return self.pos_drop(torch.cat([cls, x], dim=1))

    def forward(self, video: Tensor) -> Tensor:
        """Encode clips.

        Args:
            video: (B, T, C, H, W) normalised frames.

        Returns:
            (B, 1 + T*N, D) with ``output='all'`` (time-major patches) or
            (B, 1 + N, D) with ``output='mean'``; CLS first.
        """
        t = video.shape[1]
        x = self.embed(video)
        for block in self.blocks:
            if self.gradient_checkpointing and self.training:
                x = checkpoint(block, x, t, use_reentrant=False)
            else:
                x = block(x, t)
        x = self.norm(x)
        if self.output == 'mean':
            patches = rearrange(x[:, 1:], 'b (t n) d -> b t n d', t=t)
            x = torch.cat([x[:, :1], patches.mean(1)], dim=1)
        return x
