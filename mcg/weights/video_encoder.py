"""Checkpoint conversion into mcg's video encoder.

Every converter returns a :class:`~mcg.weights.conversion.Conversion`: the
converted state dict plus, for every source key, where it went or why it was
left out; keys no rule covers raise :class:`UnmappedKeysError`.

Sources handled here (the whole-model official MCG / ALPRO converter lives in
:mod:`mcg.weights.official` and reuses these):

* Hugging Face ``TimesformerModel`` / ``TimesformerForVideoClassification``;
* the original TimeSformer layout (facebookresearch/TimeSformer, ALPRO and
  official MCG ``visual_encoder.model.*``), which mcg's parameter names follow;
* timm ImageNet ViTs (:func:`timm_vit_to_mcg`).
"""
from __future__ import annotations

import math
import re
from typing import Callable, Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from einops import rearrange
from timm.layers import resample_abs_pos_embed
from torch import Tensor

from .conversion import Conversion, Handler, Rule, apply_rules


# -- embeddings ---------------------------------------------------------------
def resize_pos_embed_2d(pos_embed: Tensor,
                        num_patches: Union[int, Tuple[int, int]],
                        src_grid: Optional[Tuple[int, int]] = None) -> Tensor:
    """Resize a ViT position embedding (CLS first) on its 2-D patch grid.

    The official code resizes the flattened sequence in 1-D, which mixes rows
    of the grid; this keeps the spatial layout. It uses timm's resampling
    (bicubic, antialiased), i.e. what timm does when it loads a 224 px ViT at
    another resolution.

    Args:
        pos_embed: (1, 1 + N_src, D).
        num_patches: Target N (a square number) or target grid (rows, cols).
        src_grid: Source grid (rows, cols); None means square.

    Returns:
        (1, 1 + rows * cols, D).
    """
    src = pos_embed.shape[1] - 1
    if src_grid is None:
        side = math.isqrt(src)
        src_grid = (side, side)
    if isinstance(num_patches, int):
        side = math.isqrt(num_patches)
        if side * side != num_patches:
            raise ValueError(f'{num_patches} patches do not form a square '
                             'grid; pass (rows, cols)')
        num_patches = (side, side)
    if src_grid[0] * src_grid[1] != src:
        raise ValueError(f'position embedding has {src} patch entries, not '
                         f'a {src_grid[0]}x{src_grid[1]} grid')
    if tuple(src_grid) == tuple(num_patches):
        return pos_embed
    return resample_abs_pos_embed(pos_embed, list(num_patches),
                                  list(src_grid), num_prefix_tokens=1)


def resize_time_embed(time_embed: Tensor, num_frames: int) -> Tensor:
    """Resize a (1, T, D) time embedding to ``num_frames`` frames.

    Nearest interpolation, as the original TimeSformer, ALPRO and MCG do at
    run time, so a resized model behaves as the original would.

    Args:
        time_embed: (1, T, D).
        num_frames: Target T.

    Returns:
        (1, num_frames, D).
    """
    if time_embed.shape[1] == num_frames:
        return time_embed
    out = F.interpolate(time_embed.transpose(1, 2).float(), size=num_frames,
                        mode='nearest')
    return out.transpose(1, 2).to(time_embed.dtype)


def resizing_handler(dst: str, resize: Callable[[Tensor, int], Tensor],
                     size: Optional[int]) -> Handler:
    """Handler mapping an embedding to ``dst``, resized to ``size`` first.

    Args:
        dst: Target key, e.g. ``'video_encoder.pos_embed'``.
        resize: :func:`resize_pos_embed_2d` (``size``: patches per frame) or
            :func:`resize_time_embed` (``size``: frames).
        size: Target size; None keeps the source's.

    Returns:
        A rule handler (see :func:`~mcg.weights.conversion.apply_rules`).
    """
    def handle(m, key, value, conv):
        conv.map(key, dst, value if size is None else resize(value, size))
    return handle


# -- token layouts ------------------------------------------------------------
def hf_to_mcg_tokens(tokens: Tensor, num_frames: int) -> Tensor:
    """Reorder HF / original TimeSformer tokens into mcg's layout.

    HF and the original code put patch ``n`` of frame ``t`` at ``1 + n*T + t``
    (space-major); mcg uses ``1 + t*N + n`` (time-major), which lets spatial
    attention run on contiguous frames.

    Args:
        tokens: (B, 1 + N*T, D), CLS first.
        num_frames: T.

    Returns:
        (B, 1 + T*N, D).
    """
    patches = rearrange(tokens[:, 1:], 'b (n t) d -> b (t n) d', t=num_frames)
    return torch.cat([tokens[:, :1], patches], dim=1)


def mcg_to_hf_tokens(tokens: Tensor, num_frames: int) -> Tensor:
    """Inverse of :func:`hf_to_mcg_tokens`."""
    patches = rearrange(tokens[:, 1:], 'b (t n) d -> b (n t) d', t=num_frames)
    return torch.cat([tokens[:, :1], patches], dim=1)


# -- original TimeSformer layout (also official MCG / ALPRO) ------------------
_BLOCK_PARAMS = (r'(norm1|attn\.qkv|attn\.proj|temporal_norm1|'
                 r'temporal_attn\.qkv|temporal_attn\.proj|temporal_fc|norm2|'
                 r'mlp\.fc1|mlp\.fc2)\.(weight|bias)')


def timesformer_rules(src_prefix: str, dst_prefix: str,
                      num_patches: Optional[int] = None,
                      num_frames: Optional[int] = None) -> List[Rule]:
    """Rules for a state dict in the original TimeSformer layout.

    mcg keeps the original parameter names, so keys map one-to-one; the
    position embedding is resized on its 2-D grid and the time embedding to
    the target frame count.

    Args:
        src_prefix: Source prefix, e.g. ``'visual_encoder.model.'``.
        dst_prefix: Target prefix, e.g. ``'video_encoder.'``.
        num_patches: Target patches per frame (None keeps the source's).
        num_frames: Target frames (None keeps the source's).

    Returns:
        Rules for :func:`apply_rules`.
    """
    sp = re.escape(src_prefix)

    def same(m, key, value, conv):
        conv.map(key, dst_prefix + key[len(src_prefix):], value)

    def head(m, key, value, conv):
        conv.drop(key, 'video classification head (unused by mcg)')

    return [
        (sp + r'pos_embed', resizing_handler(
            dst_prefix + 'pos_embed', resize_pos_embed_2d, num_patches)),
        (sp + r'time_embed', resizing_handler(
            dst_prefix + 'time_embed', resize_time_embed, num_frames)),
        (sp + r'(cls_token|patch_embed\.proj\.(weight|bias)|'
              r'norm\.(weight|bias))', same),
        (sp + r'blocks\.\d+\.' + _BLOCK_PARAMS, same),
        (sp + r'head\.(weight|bias)', head),
    ]


# -- Hugging Face transformers TimesformerModel -------------------------------
_HF_LAYER = {
    'layernorm_before': 'norm1',
    'attention.attention.qkv': 'attn.qkv',
    'attention.output.dense': 'attn.proj',
    'temporal_layernorm': 'temporal_norm1',
    'temporal_attention.attention.qkv': 'temporal_attn.qkv',
    'temporal_attention.output.dense': 'temporal_attn.proj',
    'temporal_dense': 'temporal_fc',
    'layernorm_after': 'norm2',
    'intermediate.dense': 'mlp.fc1',
    'output.dense': 'mlp.fc2',
}
_HF_TOP = {
    'embeddings.cls_token': 'cls_token',
    'embeddings.patch_embeddings.projection.weight': 'patch_embed.proj.weight',
    'embeddings.patch_embeddings.projection.bias': 'patch_embed.proj.bias',
    'layernorm.weight': 'norm.weight',
    'layernorm.bias': 'norm.bias',
}


def hf_timesformer_rules(dst_prefix: str = '',
                         num_patches: Optional[int] = None,
                         num_frames: Optional[int] = None) -> List[Rule]:
    """Rules for HF ``TimesformerModel`` keys (``timesformer.`` prefix optional).

    Args:
        dst_prefix: Target prefix.
        num_patches: Target patches per frame (None keeps the source's).
        num_frames: Target frames (None keeps the source's).

    Returns:
        Rules for :func:`apply_rules`.
    """
    pre = r'(?:timesformer\.)?'
    layer_alt = '|'.join(re.escape(k) for k in _HF_LAYER)

    def top(m, key, value, conv):
        conv.map(key, dst_prefix + _HF_TOP[m.group(1)], value)

    def layer(m, key, value, conv):
        dst = f'blocks.{m.group(1)}.{_HF_LAYER[m.group(2)]}.{m.group(3)}'
        conv.map(key, dst_prefix + dst, value)

    def classifier(m, key, value, conv):
        conv.drop(key, 'video classification head (unused by mcg)')

    return [
        (pre + r'embeddings\.position_embeddings',
         resizing_handler(dst_prefix + 'pos_embed', resize_pos_embed_2d,
                          num_patches)),
        (pre + r'embeddings\.time_embeddings',
         resizing_handler(dst_prefix + 'time_embed', resize_time_embed,
                          num_frames)),
        (pre + '(' + '|'.join(re.escape(k) for k in _HF_TOP) + ')', top),
        (pre + rf'encoder\.layer\.(\d+)\.({layer_alt})\.(weight|bias)', layer),
        (r'classifier\.(weight|bias)', classifier),
    ]


def hf_timesformer_to_mcg(state_dict: Dict[str, Tensor],
                          num_patches: Optional[int] = None,
                          num_frames: Optional[int] = None) -> Conversion:
    """Convert HF ``TimesformerModel`` weights for :class:`TimeSformerEncoder`.

    Only ``attention_type='divided_space_time'`` checkpoints are supported (the
    others lack temporal attention). Outputs then agree up to token order:
    see :func:`hf_to_mcg_tokens`.

    Args:
        state_dict: HF state dict (``TimesformerModel`` or the classifier).
        num_patches: Target patches per frame, for a different resolution.
        num_frames: Target frames, for a different clip length.

    Returns:
        The conversion (keys without prefix).
    """
    if not any('temporal_attention' in k for k in state_dict):
        raise ValueError('not a divided space-time Timesformer checkpoint: no '
                         'temporal_attention weights')
    return apply_rules(state_dict,
                       hf_timesformer_rules('', num_patches, num_frames))


# -- timm ImageNet ViT --------------------------------------------------------
def timm_vit_to_mcg(vit: Dict[str, Tensor], num_patches: Optional[int] = None,
                    num_frames: Optional[int] = None,
                    dst_prefix: str = '') -> Conversion:
    """Initialise a :class:`TimeSformerEncoder` from a timm ViT state dict.

    Spatial weights are copied; temporal attention and its norm start as
    copies of the spatial ones (as TimeSformer, ALPRO and MCG do);
    ``temporal_fc`` and ``time_embed`` are zero, so at initialisation every
    block's temporal branch adds nothing and each frame goes through the ViT.
    ViT variants with parts mcg's encoder lacks (register tokens, LayerScale,
    q/k norm) fail with :class:`UnmappedKeysError` rather than half-loading.

    Args:
        vit: timm ``VisionTransformer`` state dict.
        num_patches: Target patches per frame (2-D resize of ``pos_embed``);
            None keeps the source grid.
        num_frames: Frames of the target encoder, for the zero
            ``time_embed``; None leaves ``time_embed`` out.
        dst_prefix: Target key prefix.

    Returns:
        The conversion.
    """
    spatial = {'norm1': 'temporal_norm1', 'attn.qkv': 'temporal_attn.qkv',
               'attn.proj': 'temporal_attn.proj'}

    def same(m, key, value, conv):
        conv.map(key, dst_prefix + key, value)

    def block(m, key, value, conv):
        conv.map(key, dst_prefix + key, value)
        if m.group(2) in spatial:
            conv.map(key, dst_prefix + f'blocks.{m.group(1)}.'
                     f'{spatial[m.group(2)]}.{m.group(3)}', value.clone())

    def head(m, key, value, conv):
        conv.drop(key, 'ImageNet classifier (unused by mcg)')

    conv = apply_rules(vit, [
        (r'pos_embed', resizing_handler(dst_prefix + 'pos_embed',
                                        resize_pos_embed_2d, num_patches)),
        (r'(cls_token|patch_embed\.proj\.(weight|bias)|norm\.(weight|bias))',
         same),
        (r'blocks\.(\d+)\.(norm1|attn\.qkv|attn\.proj|norm2|mlp\.fc1|'
         r'mlp\.fc2)\.(weight|bias)', block),
        (r'(head|fc_norm|pre_logits\.fc)\.(weight|bias)', head),
    ])
    dim = vit['cls_token'].shape[-1]
    blocks = sorted({int(k.split('.')[1]) for k in vit
                     if k.startswith('blocks.')})
    for i in blocks:
        for p in ('weight', 'bias'):
            shape = (dim, dim) if p == 'weight' else (dim,)
            conv.add(f'{dst_prefix}blocks.{i}.temporal_fc.{p}',
                     vit['cls_token'].new_zeros(shape),
                     'zero: the temporal branch starts as a no-op')
    if num_frames is not None:
        conv.add(dst_prefix + 'time_embed',
                 vit['cls_token'].new_zeros(1, num_frames, dim),
                 'zero: no time embedding in an image ViT')
    return conv
