"""Token-grained contrastive learning (TCL, Eq. 4-7 of the paper)."""
from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mcg.layers.fp32 import project_fp32
from mcg.registry import MODELS
from mcg.structures.features import (LossOutput, ModelWidths, Stages,
                                     VideoQAFeatures)
from mcg.utils.dist import mean_count_per_rank
from .base import BaseMCGLoss
from .temperature import LearnableTemperature

SALIENCY_MODES = ('cls', 'uniform')
# Fill value of masked logits; far below any |cos| / tau with tau >= 1e-3.
_NEG = -1e9


def cls_saliency(cls: Tensor, tokens: Tensor, mask: Tensor) -> Tensor:
    """Saliency of each token as seen from its sequence's summary token.

    ``softmax_k(cls . token_k / sqrt(d))`` over the valid tokens of each
    sample, rescaled to mean 1 over them (0 on padding), without gradient.

    Args:
        cls: (B, D) summary states (``y_cls`` or ``x_cls``).
        tokens: (B, K, D) token states.
        mask: (B, K) 1 for valid tokens.

    Returns:
        (B, K) weights summing to the number of valid tokens of each row.
    """
    with torch.no_grad():
        scores = torch.einsum('bd,bkd->bk', cls.float(), tokens.float())
        scores = scores / tokens.shape[-1] ** 0.5
        scores = scores.masked_fill(mask == 0, float('-inf'))
        probs = torch.nan_to_num(scores.softmax(-1), nan=0.0)
        return probs * mask.sum(-1, keepdim=True).to(probs)


@MODELS.register_module()
class TokenContrastiveLoss(BaseMCGLoss):
    """Contrast of each token with its cross-modal response, both directions.

    For pair ``i`` (text row ``i`` and its clip), the video patch tokens are
    projected to a memory ``M_i`` (J x d_m) and each text token ``y^k`` to a
    state ``u^k`` (d_m). Eq. 4: ``r^k = M_i^T softmax(tanh(M_i) tanh(u^k))``.
    Eq. 5 contrasts ``u^k`` with ``r^k`` against the responses ``r^j`` of the
    pair's other tokens (``l_y2r``) and ``r^k`` with ``u^k`` against the other
    token states ``u^j`` (``l_r2y``), weighted by the saliency ``alpha^k``.
    Eq. 6 is the same with the roles of video and text swapped (memory = the
    text tokens, anchors = the patches, saliency ``beta``), and Eq. 7 is
    ``(L_tvc + L_tlc) / 2``.

    How the open steps of the paper are read:

    * ``sim`` is the cosine similarity in the d_m space, between a token's
      own state (``u^k``, or the projected patch) and a response; the paper
      writes ``sim(y^k, r^k)`` with ``y^k`` and ``r^k`` of different widths.
    * The two projections (video -> d_m, text -> d_m) are this loss's own,
      shared by both directions; the official code reuses the ICL ones.
    * Contrast is within a pair (the sum over ``j`` runs over ``K`` tokens of
      the same pair), as Eq. 5 writes it.
    * Text tokens are the question/caption tokens without ``[CLS]`` (the
      instance token) and, with ``exclude_sep``, without the final ``[SEP]``;
      video tokens are the patch tokens without ``x_cls``.
    * Padding is neither an anchor, nor a negative, nor a memory slot.
    * ``1/(NK)`` with per-sample token counts: a pair's token terms are
      averaged over its own ``K_i`` valid tokens, then pairs are averaged.
      The saliency weights are normalised to mean 1 over a pair's valid
      tokens, so uniform saliency gives the plain mean and adding padding
      changes nothing. Under DDP the pair sum is divided by the mean number
      of pairs per rank, so the averaged gradient is the global batch's.
    * Saliency (``saliency='cls'``): a token's weight is the softmax, over the
      pair's tokens, of its scaled dot product with the sequence's summary
      token (``y_cls`` for alpha, ``x_cls`` for beta) in the encoder's output
      space, without gradient. The official code reads [CLS] attention maps
      of the last layer (and mis-indexes beta across the batch); mcg's
      encoders run fused attention without maps, so the output states stand
      in for them. Each pair's weights come from that pair's own text and
      clip. ``saliency='uniform'`` gives every token weight 1.

    Args:
        weight: ``lambda_1 * theta_2`` of Eq. 8/11.
        memory_dims: ``d_m``.
        video_dims: Width of the video tokens; None takes it from the model.
        text_dims: Width of the text states; None takes it from the model.
        temperature: Initial ``tau_2`` (the official code fixes 0.1).
        temperature_range: Clamp of ``tau_2``.
        learnable_temperature: Learn ``tau_2`` (the paper).
        saliency: ``'cls'`` or ``'uniform'``, see above.
        exclude_sep: Drop the last valid text token (``[SEP]``).
        init_cfg: MMEngine init config.
    """

    requires = ('clips', 'clip_index', 'text', 'text_mask')

    def __init__(self, weight: float = 1.0, memory_dims: int = 256,
                 video_dims: Optional[int] = None,
                 text_dims: Optional[int] = None, temperature: float = 0.1,
                 temperature_range: Sequence[float] = (0.001, 0.5),
                 learnable_temperature: bool = True, saliency: str = 'cls',
                 exclude_sep: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(weight, init_cfg)
        if saliency not in SALIENCY_MODES:
            raise ValueError(f'saliency must be one of {SALIENCY_MODES}, '
                             f'got {saliency!r}')
        self.memory_dims = memory_dims
        self.temperature = LearnableTemperature(
            temperature, temperature_range, learnable_temperature)
        self.saliency = saliency
        self.exclude_sep = exclude_sep
        self.video_proj: Optional[nn.Linear] = None
        self.text_proj: Optional[nn.Linear] = None
        if video_dims is not None and text_dims is not None:
            self._build(video_dims, text_dims)

    def _build(self, video_dims: int, text_dims: int) -> None:
        self.video_proj = nn.Linear(video_dims, self.memory_dims)
        self.text_proj = nn.Linear(text_dims, self.memory_dims)

    def set_widths(self, widths: ModelWidths) -> None:
        """Create the d_m projections from the encoders' widths if not given."""
        dims = (widths.video, widths.text)
        if self.video_proj is None:
            self._build(*dims)
        elif (self.video_proj.in_features,
              self.text_proj.in_features) != dims:
            raise ValueError(
                f'TCL projections expect (video, text) widths '
                f'({self.video_proj.in_features}, '
                f'{self.text_proj.in_features}), the model has {dims}')

    # -- inputs ---------------------------------------------------------------
    def text_token_mask(self, text_mask: Tensor) -> Tensor:
        """Valid text tokens after dropping ``[CLS]`` (and the last ``[SEP]``)."""
        mask = text_mask[:, 1:].clone()
        if self.exclude_sep:
            # Rows without tokens (last = -1) clear column 0, already 0.
            last = (mask.sum(-1).long() - 1).clamp(min=0)
            mask.scatter_(1, last[:, None], 0)
        return mask

    def weights(self, cls: Tensor, tokens: Tensor, mask: Tensor) -> Tensor:
        """Per-sample saliency (alpha or beta), mean 1 over valid tokens."""
        if self.saliency == 'uniform':
            return mask.float()
        return cls_saliency(cls, tokens, mask)

    def forward(self, features: VideoQAFeatures,
                stages: Optional[Stages] = None) -> LossOutput:
        clips, index = features.clips, features.clip_index
        text = features.text
        with torch.autocast(text.device.type, enabled=False):
            # Project and weigh each clip once, then give every pair its own.
            patches = clips[:, 1:].float()
            patch_mask = patches.new_ones(patches.shape[:2])
            memory = project_fp32(self.video_proj, patches)[index]
            beta = self.weights(clips[:, 0], patches, patch_mask)[index]
            tokens = text[:, 1:].float()
            text_mask = self.text_token_mask(features.text_mask).float()
            alpha = self.weights(text[:, 0], tokens, text_mask)
            states = project_fp32(self.text_proj, tokens)
            return LossOutput(self.token_loss(states, text_mask, alpha,
                                              memory, patch_mask[index],
                                              beta), {})

    # -- the equations ----------------------------------------------------------
    def token_loss(self, text_states: Tensor, text_mask: Tensor, alpha: Tensor,
                   video_states: Tensor, video_mask: Tensor,
                   beta: Tensor) -> Tensor:
        """Eq. 7 from projected states.

        Args:
            text_states: (B, K, d_m) text token states ``u``.
            text_mask: (B, K) 1 for valid text tokens.
            alpha: (B, K) text saliency.
            video_states: (B, J, d_m) video memory ``M``.
            video_mask: (B, J) 1 for valid video tokens.
            beta: (B, J) video saliency.

        Returns:
            ``L_TCL``.
        """
        tau = self.temperature()
        l_tvc = directional_token_loss(text_states, text_mask, alpha,
                                       video_states, video_mask, tau)
        l_tlc = directional_token_loss(video_states, video_mask, beta,
                                       text_states, text_mask, tau)
        return (l_tvc + l_tlc) / 2


def directional_token_loss(anchors: Tensor, anchor_mask: Tensor,
                           saliency: Tensor, memory: Tensor,
                           memory_mask: Tensor, tau: Tensor) -> Tensor:
    """Eq. 4-5 (or Eq. 6 with the modalities swapped).

    Args:
        anchors: (B, K, d) token states whose responses are computed.
        anchor_mask: (B, K) valid anchors.
        saliency: (B, K) anchor weights.
        memory: (B, J, d) the other modality's tokens (memory slots).
        memory_mask: (B, J) valid memory slots.
        tau: Temperature.

    Returns:
        ``1/(2N) sum_i 1/K_i sum_k w_i^k (l_y2r + l_r2y)``.
    """
    # Finite fill values: -inf would give NaN gradients through the rows of
    # padded anchors even though their terms are multiplied by zero.
    valid = (anchor_mask > 0) & (memory_mask > 0).any(-1, keepdim=True)
    attn = torch.tanh(anchors) @ torch.tanh(memory).transpose(1, 2)
    attn = attn.masked_fill(memory_mask[:, None, :] == 0, _NEG)
    response = attn.softmax(-1) @ memory
    # sim[b, k, j] = cos(anchor k, response j) / tau
    sim = (F.normalize(anchors, dim=-1)
           @ F.normalize(response, dim=-1).transpose(1, 2)) / tau
    sim = sim.masked_fill(~(valid[:, :, None] & valid[:, None, :]), _NEG)
    diag = torch.diagonal(sim, dim1=1, dim2=2)
    # l_y2r: anchor k against the responses of all tokens (rows of sim);
    # l_r2y: response k against all anchors (columns of sim).
    l_a2r = torch.logsumexp(sim, dim=2) - diag
    l_r2a = torch.logsumexp(sim, dim=1) - diag
    per_token = saliency * (l_a2r + l_r2a) * valid
    count = valid.sum(-1)
    per_pair = per_token.sum(-1) / count.clamp(min=1)
    pairs = mean_count_per_rank((count > 0).sum(), per_pair.device)
    return per_pair.sum() / pairs.clamp(min=1.0) / 2
