"""Initialise the TimeSformer encoder from an ImageNet ViT (timm layout)."""
from __future__ import annotations

import math
import os
from typing import Dict

import torch
import torch.nn.functional as F
from torch import Tensor

from mcg.utils.pretrained import load_or_explain, resolve_pretrained


def resize_pos_embed_2d(pos_embed: Tensor, num_patches: int) -> Tensor:
    """Resize a ViT position embedding (CLS first) on its 2-D patch grid.

    The official code resizes the flattened sequence in 1-D, which mixes rows
    of the grid; this keeps the spatial layout.

    Args:
        pos_embed: (1, 1 + N_src, D).
        num_patches: Target N (a square number).

    Returns:
        (1, 1 + num_patches, D).
    """
    src = pos_embed.shape[1] - 1
    if src == num_patches:
        return pos_embed
    gs, gd = int(math.isqrt(src)), int(math.isqrt(num_patches))
    grid = pos_embed[:, 1:].reshape(1, gs, gs, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid.float(), size=(gd, gd), mode='bicubic',
                         align_corners=False)
    grid = grid.permute(0, 2, 3, 1).reshape(1, gd * gd, -1)
    return torch.cat([pos_embed[:, :1], grid.to(pos_embed.dtype)], dim=1)


def timm_vit_to_timesformer(vit: Dict[str, Tensor], num_patches: int
                            ) -> Dict[str, Tensor]:
    """Convert a timm ViT state dict into :class:`TimeSformerEncoder` keys.

    Temporal attention and its norm start as copies of the spatial ones;
    ``temporal_fc`` and ``time_embed`` are left to their zero init, so the
    encoder equals a per-frame ViT at initialisation.

    Args:
        vit: timm ``VisionTransformer`` state dict.
        num_patches: Patches per frame of the target encoder.

    Returns:
        State dict for the encoder (without temporal_fc / time_embed).
    """
    out = {}
    for key, value in vit.items():
        if key.startswith(('head', 'fc_norm', 'pre_logits')):
            continue
        if key == 'pos_embed':
            value = resize_pos_embed_2d(value, num_patches)
        out[key] = value
        if key.startswith('blocks.') and ('.attn.' in key or '.norm1.' in key):
            out[key.replace('.attn.', '.temporal_attn.').replace(
                '.norm1.', '.temporal_norm1.')] = value.clone()
    return out


def load_timm_vit(encoder, name_or_path: str) -> None:
    """Load a timm ViT (model name or checkpoint file) into ``encoder``."""
    def _load(path: str) -> Dict[str, Tensor]:
        if os.path.isfile(path):
            sd = torch.load(path, map_location='cpu', weights_only=True)
            return sd.get('model', sd.get('state_dict', sd))
        import timm
        try:
            model = timm.create_model(path, pretrained=True, num_classes=0)
        except RuntimeError as exc:  # timm wraps hub errors in RuntimeError
            raise OSError(str(exc)) from exc
        return model.state_dict()

    vit = load_or_explain(_load, name_or_path, 'ImageNet ViT weights',
                          'model.video_encoder.pretrained')
    sd = timm_vit_to_timesformer(vit, encoder.patch_embed.num_patches)
    missing, unexpected = encoder.load_state_dict(sd, strict=False)
    allowed = {'time_embed'}
    bad = [k for k in missing if k.split('.')[0] not in allowed
           and '.temporal_fc.' not in k]
    if bad or unexpected:
        raise KeyError(f'ViT checkpoint {resolve_pretrained(name_or_path)} '
                       f'does not fit the encoder: missing {bad}, unexpected '
                       f'{list(unexpected)}')
