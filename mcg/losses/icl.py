"""Instance-grained contrastive learning (ICL, Eq. 1-3 of the paper)."""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mcg.registry import MODELS
from mcg.utils.dist import all_gather_no_grad, all_gather_with_grad, dist_info
from .base import BaseMCGLoss
from .temperature import LearnableTemperature


@MODELS.register_module()
class InstanceContrastiveLoss(BaseMCGLoss):
    """Symmetric InfoNCE between the video ``x_cls`` and the text ``y_cls``.

    ``g_x`` and ``g_y`` (Eq. 1) are linear maps to an ``embed_dims`` space
    followed by L2 normalisation, so ``sim`` is a cosine. Each row of the
    batch is one pair (text row ``i``, its clip ``video_index[i]``); Eq. 3 is
    the mean over pairs of ``(l_x2y + l_y2x) / 2``.

    Negatives come from every rank: features are all-gathered with a
    differentiable gather and the targets of this rank start at the offset
    of its rows in the gathered batch (the sum of the lower *global* ranks'
    sizes; the official code used the node-local rank). Each rank divides
    its summed terms by the mean number of pairs per rank, so that the
    gradient DDP averages is that of Eq. 3 over the global batch.

    Reading of an open point: the paper assumes one text per video. When
    several questions share a clip (``video_index`` repeats), the other texts
    of the same clip are neither positives nor negatives of each other: they
    are removed from both denominators (``mask_shared_video=True``). With one
    text per clip this is exactly Eq. 2.

    Args:
        weight: ``lambda_1 * theta_1`` of Eq. 8/11.
        embed_dims: Width of the shared normalised space (256 in ALPRO).
        video_dims: Width of the video tokens; None takes it from the model
            in :meth:`bind`.
        text_dims: Width of the text states; None takes it from the model.
        temperature: Initial ``tau_1``.
        temperature_range: Clamp of ``tau_1``.
        learnable_temperature: Learn ``tau_1`` (the paper) or keep it fixed.
        gather: Use the negatives of all ranks (the paper's batch is global).
        mask_shared_video: See above.
        init_cfg: MMEngine init config.
    """

    requires = ('video_clips', 'video_index', 'text')

    def __init__(self, weight: float = 1.0, embed_dims: int = 256,
                 video_dims: Optional[int] = None,
                 text_dims: Optional[int] = None, temperature: float = 0.07,
                 temperature_range: Sequence[float] = (0.001, 0.5),
                 learnable_temperature: bool = True, gather: bool = True,
                 mask_shared_video: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(weight, init_cfg)
        self.embed_dims = embed_dims
        self.temperature = LearnableTemperature(
            temperature, temperature_range, learnable_temperature)
        self.gather = gather
        self.mask_shared_video = mask_shared_video
        self.video_proj: Optional[nn.Linear] = None
        self.text_proj: Optional[nn.Linear] = None
        if video_dims is not None and text_dims is not None:
            self._build(video_dims, text_dims)

    def _build(self, video_dims: int, text_dims: int) -> None:
        self.video_proj = nn.Linear(video_dims, self.embed_dims)
        self.text_proj = nn.Linear(text_dims, self.embed_dims)

    def bind(self, model: nn.Module) -> None:
        """Create ``g_x``/``g_y`` from the encoders' widths if not given."""
        dims = (model.video_encoder.embed_dims, model.text_encoder.embed_dims)
        if self.video_proj is None:
            self._build(*dims)
        elif (self.video_proj.in_features,
              self.text_proj.in_features) != dims:
            raise ValueError(
                f'ICL projections expect (video, text) widths '
                f'({self.video_proj.in_features}, '
                f'{self.text_proj.in_features}), the model has {dims}')

    # -- features ---------------------------------------------------------------
    def clip_features(self, video_clips: Tensor) -> Tensor:
        """``g_x(x_cls)``, L2-normalised: (V, embed_dims), one row per clip."""
        return F.normalize(self.video_proj(video_clips[:, 0].float()), dim=-1)

    def text_features(self, text: Tensor) -> Tensor:
        """``g_y(y_cls)``, L2-normalised: (B, embed_dims)."""
        return F.normalize(self.text_proj(text[:, 0].float()), dim=-1)

    @torch.no_grad()
    def local_similarity(self, outputs: Dict[str, Tensor]
                         ) -> Tuple[Tensor, Tensor]:
        """Eq. 1 between every text and every clip of this rank's batch.

        Used by the VTM loss to pick hard negatives.

        Returns:
            ``sim`` (B, V) cosine similarities and the current ``tau_1``.
        """
        return (self.text_features(outputs['text'])
                @ self.clip_features(outputs['video_clips']).t(),
                self.temperature().detach())

    # -- loss -----------------------------------------------------------------
    def forward(self, outputs: Dict[str, Tensor]) -> Tensor:
        with torch.autocast(outputs['text'].device.type, enabled=False):
            index = outputs['video_index']
            video = self.clip_features(outputs['video_clips'])[index]
            text = self.text_features(outputs['text'])
            loss, acc = self.contrast(video, text, index)
        outputs['acc_icl'] = acc
        return loss

    def contrast(self, video: Tensor, text: Tensor,
                 group: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """Eq. 2-3 on normalised pair features, negatives from all ranks.

        Args:
            video: (B, E) ``g_x(x_cls)`` of each pair's video.
            text: (B, E) ``g_y(y_cls)`` of each pair's text.
            group: (B,) clip id of each pair; equal ids on this rank mean a
                shared clip (ignored when ``mask_shared_video`` is False).

        Returns:
            The loss, and the text-to-video top-1 accuracy (diagnostic).
        """
        tau = self.temperature()
        rank, world = dist_info() if self.gather else (0, 1)
        if world > 1:
            video_all, offset = all_gather_with_grad(video)
            text_all, _ = all_gather_with_grad(text)
        else:
            video_all, text_all, offset = video, text, 0
        targets = offset + torch.arange(len(video), device=video.device)
        logits_v2t = video @ text_all.t() / tau
        logits_t2v = text @ video_all.t() / tau
        if self.mask_shared_video and group is not None:
            # Clip ids are only unique per rank: tag them with the rank.
            tagged = group.long() * world + rank
            tagged_all = all_gather_no_grad(tagged) if world > 1 else tagged
            shared = tagged[:, None] == tagged_all[None]
            shared[torch.arange(len(video)), targets] = False
            logits_v2t = logits_v2t.masked_fill(shared, float('-inf'))
            logits_t2v = logits_t2v.masked_fill(shared, float('-inf'))
        terms = (F.cross_entropy(logits_v2t, targets, reduction='sum')
                 + F.cross_entropy(logits_t2v, targets, reduction='sum'))
        # The global batch's mean once DDP averages the ranks' gradients,
        # also when ranks hold different numbers of pairs.
        loss = terms / (2 * len(text_all) / world)
        with torch.no_grad():
            acc = (logits_t2v.argmax(-1) == targets).float().mean()
        return loss, acc
