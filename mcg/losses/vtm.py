"""Video-text matching (VTM, Eq. 9 of the paper) with ICL hard negatives."""
from __future__ import annotations

from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mcg.layers.fp32 import project_fp32
from mcg.registry import MODELS
from mcg.structures.features import (FuseFn, LossOutput, ModelWidths,
                                     SimilarityFn, Stages, VideoQAFeatures)
from mcg.utils.dist import mean_count_per_rank
from .base import BaseMCGLoss

SAMPLING_MODES = ('multinomial', 'hardest', 'uniform')


@MODELS.register_module()
class VideoTextMatchingLoss(BaseMCGLoss):
    """Binary matched / not-matched classification of the fusor's ``[FUS]``.

    For every pair of the batch (text row ``i`` and its clip), the loss adds
    one negative video for the text and one negative text for the video, so
    positives and negatives come 1:2 (as in ALPRO). A 2-way linear head on the
    fused ``[FUS]`` state gives ``p_vtm``, and Eq. 9's ``H(q_vtm, p_vtm)`` is
    the cross-entropy of that two-category distribution with the 0/1 label,
    i.e. the binary cross-entropy of the paper.

    Negatives are drawn from this rank's batch (the candidates must be fused,
    which needs their token sequences) and never share the positive's clip:
    the negative video of text ``i`` is a clip other than its own, the
    negative text of pair ``i`` is a text about another clip.
    ``sampling='multinomial'`` draws them with probability
    ``softmax(sim / tau_1)`` of the ICL similarity (Eq. 1) over the allowed
    candidates (ALBEF/ALPRO's hard-negative mining); ``'hardest'`` takes the
    most similar allowed candidate; ``'uniform'`` ignores the similarity.
    The similarity is that of the loss named ``negatives_from`` in
    ``model.losses`` (an :class:`InstanceContrastiveLoss`), which the model
    passes in ``stages.similarity``; without such a loss, candidates are
    drawn uniformly. Pairs without any allowed candidate (a batch with one
    clip) get no negative.

    The negative pairs are fused by the model's stage ``stages.fuse`` over
    the batch's encoded texts and clips.

    Args:
        weight: ``lambda_2`` of Eq. 11.
        in_dims: Width of the fusor output; None takes it from the model.
        sampling: ``'multinomial'``, ``'hardest'`` or ``'uniform'``.
        negatives_from: Name of the loss in ``model.losses`` whose text-clip
            similarity picks the negatives (``'icl'``); a name the model
            does not have draws uniformly, as does None.
        feature_norm: None (the paper: a linear head) or ``'batch'``: the
            ``[FUS]`` states are standardised per feature over the batch's
            pairs (``BatchNorm1d`` without affine, running statistics at
            evaluation) before the linear head. From random init the fused
            ``[FUS]`` of matched and unmatched pairs hardly differ, and the
            head sat at the 1:2 prior (loss 0.637, always "not matched")
            while ICL learned (docs/pretraining.md).
        init_cfg: MMEngine init config.
    """

    requires = ('fused', 'clip_index', 'clips', 'text', 'text_mask')

    def __init__(self, weight: float = 1.0, in_dims: Optional[int] = None,
                 sampling: str = 'multinomial',
                 negatives_from: Optional[str] = 'icl',
                 feature_norm: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(weight, init_cfg)
        self.similarity_from = negatives_from
        if feature_norm not in (None, 'batch'):
            raise ValueError(f"feature_norm must be None or 'batch', got "
                             f'{feature_norm!r}')
        self.feature_norm = feature_norm
        if sampling not in SAMPLING_MODES:
            raise ValueError(f'sampling must be one of {SAMPLING_MODES}, '
                             f'got {sampling!r}')
        self.sampling = sampling
        self.head: Optional[nn.Linear] = None
        if in_dims is not None:
            self.head = self._make_head(in_dims)

    def _make_head(self, in_dims: int) -> nn.Module:
        if self.feature_norm == 'batch':
            return NormedLinear(in_dims, 2)
        return nn.Linear(in_dims, 2)

    def set_widths(self, widths: ModelWidths) -> None:
        """Create the head from the fusor width if not given."""
        if self.head is None:
            self.head = self._make_head(widths.fused)
        elif self.head.in_features != widths.fused:
            raise ValueError(f'VTM head expects width {self.head.in_features},'
                             f' the fusor has {widths.fused}')

    # -- negatives --------------------------------------------------------------
    @torch.no_grad()
    def pick_negatives(self, features: VideoQAFeatures,
                       similarity: Optional[SimilarityFn] = None
                       ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """Choose one negative clip per text and one negative text per pair.

        Args:
            features: The batch (``clip_index``, ``clips``).
            similarity: ``similarity(features) -> (sim (B, V), tau)``;
                None draws uniformly.

        Returns:
            ``(text_rows, neg_clips)`` for the negative videos and
            ``(neg_texts, clip_rows)`` for the negative texts.
        """
        index = features.clip_index
        rows = torch.arange(len(index), device=index.device)
        clip_ids = torch.arange(features.clips.shape[0], device=index.device)
        allowed_v = index[:, None] != clip_ids[None]          # text -> clip
        allowed_t = index[:, None] != index[None]             # pair -> text
        if similarity is not None and self.sampling != 'uniform':
            sim, tau = similarity(features)
            scores_v = sim / tau                              # (B, V)
            scores_t = scores_v[:, index].t()                 # (pair, text)
        else:
            scores_v = torch.zeros(allowed_v.shape, device=index.device)
            scores_t = torch.zeros(allowed_t.shape, device=index.device)
        neg_v, ok_v = self._choose(scores_v, allowed_v)
        neg_t, ok_t = self._choose(scores_t, allowed_t)
        return rows[ok_v], neg_v[ok_v], neg_t[ok_t], index[ok_t]

    def _choose(self, scores: Tensor, allowed: Tensor
                ) -> Tuple[Tensor, Tensor]:
        """One candidate column per row, and which rows have any allowed."""
        ok = allowed.any(-1)
        if self.sampling == 'hardest':
            return scores.masked_fill(~allowed, float('-inf')).argmax(-1), ok
        # Rows without candidates draw anything; ``ok`` discards them.
        logits = scores.float().masked_fill(~(allowed | ~ok[:, None]),
                                            float('-inf'))
        return torch.multinomial(logits.softmax(-1), 1).squeeze(-1), ok

    # -- loss -----------------------------------------------------------------
    def pair_states(self, features: VideoQAFeatures, fuse: FuseFn,
                    similarity: Optional[SimilarityFn] = None
                    ) -> Tuple[Tensor, Tensor]:
        """``[FUS]`` of the batch's pairs and of their negatives, and labels.

        Args:
            features: The batch.
            fuse: The model's fusor stage (:meth:`MCGVideoQA.fuse`).
            similarity: See :meth:`pick_negatives`.

        Returns:
            (P, D) ``[FUS]`` states, positives first, and (P,) 1/0 labels.
        """
        text_rows, neg_clips, neg_texts, clip_rows = self.pick_negatives(
            features, similarity)
        fus = [features.fused[:, 0]]
        for t_rows, c_rows in ((text_rows, neg_clips), (neg_texts, clip_rows)):
            if len(t_rows):
                fus.append(fuse(features.text[t_rows],
                                features.text_mask[t_rows], features.clips,
                                c_rows)[0][:, 0])
        fus = torch.cat(fus)
        labels = torch.zeros(len(fus), dtype=torch.long, device=fus.device)
        labels[:features.fused.shape[0]] = 1
        return fus, labels

    def forward(self, features: VideoQAFeatures,
                stages: Stages) -> LossOutput:
        fus, labels = self.pair_states(features, stages.fuse,
                                       stages.similarity)
        logits = project_fp32(self.head, fus)
        with torch.no_grad():
            acc = (logits.argmax(-1) == labels).float().mean()
        # Mean over the global batch's pairs once DDP averages gradients.
        return LossOutput(F.cross_entropy(logits, labels, reduction='sum')
                          / mean_count_per_rank(len(labels), logits.device),
                          {'acc_vtm': acc})


class NormedLinear(nn.Module):
    """``Linear(BatchNorm1d(x))``, the norm without affine (a VTM head).

    Exposes ``weight`` and ``in_features`` like the ``nn.Linear`` it wraps,
    so callers that cast to the head's dtype or check its width work.
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(in_features, affine=False)
        self.linear = nn.Linear(in_features, out_features)

    @property
    def weight(self) -> Tensor:
        return self.linear.weight

    @property
    def in_features(self) -> int:
        return self.linear.in_features

    def forward(self, x: Tensor) -> Tensor:
        if self.training and len(x) < 2:
            # One row has no batch statistics: use the running ones.
            x = F.batch_norm(x, self.norm.running_mean.to(x.dtype),
                             self.norm.running_var.to(x.dtype), training=False,
                             eps=self.norm.eps)
        else:
            x = self.norm(x)
        return self.linear(x)
