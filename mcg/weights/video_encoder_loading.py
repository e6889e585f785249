"""Initialise the TimeSformer encoder from pretrained weights.

Two kinds of checkpoint are accepted by :func:`load_timm_vit`: an ImageNet
ViT (timm names; a timm model name or a local file), converted on the fly so
the encoder starts as a per-frame ViT, and a TimeSformer already in mcg's
layout (the output of ``tools/convert/*.py``, optionally with a
``video_encoder.`` prefix), resized to the encoder's resolution and frames.
"""
from __future__ import annotations

import os
from typing import Dict

import timm
import torch
from safetensors.torch import load_file
from torch import Tensor

from mcg.utils.pretrained import load_or_explain, resolve_pretrained
from .conversion import apply_rules
from .video_encoder import timesformer_rules, timm_vit_to_mcg


CHECKPOINT_SUFFIXES = ('.pth', '.pt', '.bin', '.safetensors', '.ckpt')


def read_state_dict(path: str) -> Dict[str, Tensor]:
    """Read a state dict from ``.safetensors`` or a torch pickle.

    Torch files may wrap it under ``'model'`` or ``'state_dict'`` (timm,
    MMEngine and the official MCG checkpoints do).

    Args:
        path: Local file.

    Returns:
        The state dict.
    """
    if path.endswith('.safetensors'):
        return load_file(path)
    sd = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('model', 'state_dict'):
        if isinstance(sd.get(key), dict):
            return sd[key]
    return sd


def timm_vit_to_timesformer(vit: Dict[str, Tensor], num_patches: int
                            ) -> Dict[str, Tensor]:
    """Convert a timm ViT state dict into :class:`TimeSformerEncoder` keys.

    Temporal attention and its norm start as copies of the spatial ones;
    ``temporal_fc`` and ``time_embed`` are zero, so the encoder equals a
    per-frame ViT at initialisation (see :func:`timm_vit_to_mcg`).

    Args:
        vit: timm ``VisionTransformer`` state dict.
        num_patches: Patches per frame of the target encoder.

    Returns:
        Encoder state dict without ``time_embed`` (its length is the
        encoder's frame count, unknown here).
    """
    conv = timm_vit_to_mcg(vit, num_patches, num_frames=None)
    return conv.state_dict


def load_timm_vit(encoder, name_or_path: str) -> None:
    """Load ImageNet ViT or converted TimeSformer weights into ``encoder``.

    Args:
        encoder: A :class:`TimeSformerEncoder`.
        name_or_path: timm model name (e.g.
            ``'vit_base_patch16_224.augreg2_in21k_ft_in1k'``, fetched through
            timm's hub cache) or a local ``.pth``/``.bin``/``.safetensors``
            state dict of a timm ViT or of a TimeSformer in mcg's layout.

    Raises:
        MissingPretrainedError: Not found locally and the hub is unreachable.
        KeyError: The checkpoint does not fit the encoder.
    """
    def _load(path: str) -> Dict[str, Tensor]:
        if os.path.isfile(path):
            return read_state_dict(path)
        if path.endswith(CHECKPOINT_SUFFIXES):
            raise FileNotFoundError(f'no such file: {path}')
        try:
            model = timm.create_model(path, pretrained=True, num_classes=0)
        except RuntimeError as exc:  # timm wraps hub errors in RuntimeError
            raise OSError(str(exc)) from exc
        return model.state_dict()

    vit = load_or_explain(_load, name_or_path, 'video encoder weights',
                          'model.video_encoder.pretrained')
    num_patches = encoder.patch_embed.num_patches
    try:
        if any('temporal_attn' in k for k in vit):
            prefix = 'video_encoder.' if any(
                k.startswith('video_encoder.') for k in vit) else ''
            vit = {k: v for k, v in vit.items() if k.startswith(prefix)}
            conv = apply_rules(vit, timesformer_rules(
                prefix, '', num_patches, encoder.num_frames))
        else:
            conv = timm_vit_to_mcg(vit, num_patches, encoder.num_frames)
        left = conv.check_against(encoder.state_dict())
        if left:
            raise KeyError(f'missing {left[:10]}')
    except (KeyError, ValueError) as exc:
        raise KeyError(f'checkpoint {resolve_pretrained(name_or_path)} '
                       f'does not fit the encoder: {exc}') from exc
    encoder.load_state_dict(conv.state_dict, strict=True)
