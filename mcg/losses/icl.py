"""Instance-grained contrastive learning (ICL, Eq. 1-3 of the paper)."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mcg.layers.fp32 import project_fp32
from mcg.registry import MODELS
from mcg.structures.features import (LossOutput, ModelWidths, Stages,
                                     VideoQAFeatures)
from mcg.utils.dist import (all_gather_no_grad, all_gather_with_grad,
                            dist_info, gather_sizes)
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

    Reading of an open point: the paper assumes one text per video. mcg
    encodes a clip once for all its questions (``video_index`` repeats), so
    the text-to-video term of a text runs over the batch's distinct clips
    (each clip once, its own clip the positive), and the video-to-text term
    of a pair runs over its own text and the texts of other clips: texts of
    the same clip are neither positives nor negatives of each other
    (``mask_shared_video=True``). With one text per clip this is exactly
    Eq. 2.

    Args:
        weight: ``lambda_1 * theta_1`` of Eq. 8/11.
        embed_dims: Width of the shared normalised space (256 in ALPRO).
        video_dims: Width of the video tokens; None takes it from the model
            in :meth:`set_widths`.
        text_dims: Width of the text states; None takes it from the model.
        temperature: Initial ``tau_1``.
        temperature_range: Clamp of ``tau_1``.
        learnable_temperature: Learn ``tau_1`` (the paper) or keep it fixed.
        gather: Use the negatives of all ranks (the paper's batch is global).
        mask_shared_video: See above.
        feature_norm: None (the paper: ``g`` is a plain linear map) or
            ``'batch'``: ``x_cls`` and ``y_cls`` are standardised per
            feature over the batch (``BatchNorm1d`` without affine, running
            statistics at evaluation, per rank under DDP) before ``g``. For
            encoders trained from random init: a fresh tiny TimeSformer's
            ``x_cls`` is nearly the same for every clip (between-clip spread
            ~7 % of its norm on ShapesQA, cosine ~0.998), so every
            similarity starts equal and ICL stayed at chance; removing the
            shared part lets the contrast see the differences
            (docs/pretraining.md).
        init_cfg: MMEngine init config.
    """

    requires = ('clips', 'clip_index', 'text')
    provides_similarity = True

    def __init__(self, weight: float = 1.0, embed_dims: int = 256,
                 video_dims: Optional[int] = None,
                 text_dims: Optional[int] = None, temperature: float = 0.07,
                 temperature_range: Sequence[float] = (0.001, 0.5),
                 learnable_temperature: bool = True, gather: bool = True,
                 mask_shared_video: bool = True,
                 feature_norm: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(weight, init_cfg)
        if feature_norm not in (None, 'batch'):
            raise ValueError(f"feature_norm must be None or 'batch', got "
                             f'{feature_norm!r}')
        self.embed_dims = embed_dims
        self.feature_norm = feature_norm
        self.video_norm: nn.Module = nn.Identity()
        self.text_norm: nn.Module = nn.Identity()
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
        if self.feature_norm == 'batch':
            self.video_norm = nn.BatchNorm1d(video_dims, affine=False)
            self.text_norm = nn.BatchNorm1d(text_dims, affine=False)

    def set_widths(self, widths: ModelWidths) -> None:
        """Create ``g_x``/``g_y`` from the encoders' widths if not given."""
        dims = (widths.video, widths.text)
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
        cls = _standardise(self.video_norm, video_clips[:, 0])
        return F.normalize(project_fp32(self.video_proj, cls), dim=-1)

    def text_features(self, text: Tensor) -> Tensor:
        """``g_y(y_cls)``, L2-normalised: (B, embed_dims)."""
        cls = _standardise(self.text_norm, text[:, 0])
        return F.normalize(project_fp32(self.text_proj, cls), dim=-1)

    @torch.no_grad()
    def similarity(self, features: VideoQAFeatures) -> Tuple[Tensor, Tensor]:
        """Eq. 1 between every text and every clip of this rank's batch.

        The model passes it to a loss whose ``similarity_from`` names this
        one (the VTM loss picks hard negatives with it).

        Returns:
            ``sim`` (B, V) cosine similarities and the current ``tau_1``.
        """
        return (self.text_features(features.text)
                @ self.clip_features(features.clips).t(),
                self.temperature().detach())

    # -- loss -----------------------------------------------------------------
    def forward(self, features: VideoQAFeatures,
                stages: Optional[Stages] = None) -> LossOutput:
        with torch.autocast(features.text.device.type, enabled=False):
            clips = self.clip_features(features.clips)
            text = self.text_features(features.text)
            loss, acc = self.contrast(clips, text, features.clip_index)
        return LossOutput(loss, {'acc_icl': acc})

    def contrast(self, clips: Tensor, text: Tensor,
                 index: Tensor) -> Tuple[Tensor, Tensor]:
        """Eq. 2-3 on normalised features, negatives from all ranks.

        Args:
            clips: (V, E) ``g_x(x_cls)`` of this rank's clips.
            text: (B, E) ``g_y(y_cls)`` of this rank's texts.
            index: (B,) clip row of each text (the pair's video).

        Returns:
            The loss, and the text-to-video top-1 accuracy (diagnostic).
        """
        tau = self.temperature()
        rank, world = dist_info() if self.gather else (0, 1)
        if world > 1:
            # All sizes in one exchange (one host read per batch).
            clip_sizes, text_sizes = gather_sizes([len(clips), len(text)],
                                                  text.device)
            clips_all, clip_offset = all_gather_with_grad(clips, clip_sizes)
            text_all, text_offset = all_gather_with_grad(text, text_sizes)
            index_all = all_gather_no_grad(index + clip_offset, text_sizes)
        else:
            clips_all, text_all, clip_offset, text_offset = clips, text, 0, 0
            index_all = index
        rows = torch.arange(len(text), device=text.device)
        pair_targets = text_offset + rows       # own pair in the global batch
        logits_v2t = clips[index] @ text_all.t() / tau
        if self.mask_shared_video:
            # Text -> each distinct clip once; video -> texts of other clips.
            t2v_targets = clip_offset + index
            logits_t2v = text @ clips_all.t() / tau
            shared = t2v_targets[:, None] == index_all[None]
            shared[rows, pair_targets] = False
            logits_v2t = logits_v2t.masked_fill(shared, float('-inf'))
        else:
            # Eq. 2 literally, over pairs: a shared clip repeats.
            t2v_targets = pair_targets
            logits_t2v = text @ clips_all[index_all].t() / tau
        terms = (F.cross_entropy(logits_t2v, t2v_targets, reduction='sum')
                 + F.cross_entropy(logits_v2t, pair_targets, reduction='sum'))
        # The global batch's mean once DDP averages the ranks' gradients,
        # also when ranks hold different numbers of pairs.
        loss = terms / (2 * len(text_all) / world)
        with torch.no_grad():
            acc = (logits_t2v.argmax(-1) == t2v_targets).float().mean()
        return loss, acc


def _standardise(norm: nn.Module, x: Tensor) -> Tensor:
    """``norm(x)`` in fp32 for a ``feature_norm`` BatchNorm, else ``x``."""
    if isinstance(norm, nn.Identity):
        return x
    if norm.running_mean.dtype != torch.float32:
        # DeepSpeed's bf16 mode casts buffers too; statistics stay fp32.
        norm.float()
    if norm.training and len(x) < 2:
        # One row has no batch statistics: use the running ones.
        return F.batch_norm(x.float(), norm.running_mean, norm.running_var,
                            training=False, eps=norm.eps)
    return norm(x.float())
