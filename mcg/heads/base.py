"""Role base class of answer heads (generator or classifier)."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mcg.layers.transformer_block import Memory, MemoryPart
from mcg.registry import MODELS


def select_memory(memory: Memory, rows: Tensor) -> List[MemoryPart]:
    """Memory of the batch rows ``rows`` (repeats allowed), without copying.

    Each part keeps its distinct source states and only composes its row
    index, so keys and values are still projected once per source row (one
    projection serves all beams, or all candidates, of a question).

    Args:
        memory: A (B, M, D) tensor or a list of :class:`MemoryPart`.
        rows: (N,) long tensor of batch rows.

    Returns:
        A list of :class:`MemoryPart` with N rows.
    """
    parts = [MemoryPart(memory)] if isinstance(memory, Tensor) else memory
    return [MemoryPart(p.states, rows if p.index is None else p.index[rows])
            for p in parts]


def fused_cls(memory: Memory) -> Tensor:
    """The fusor's ``[FUS]`` state of each row: token 0 of the first part."""
    part = MemoryPart(memory) if isinstance(memory, Tensor) else memory[0]
    first = part.states[:, 0]
    return first if part.index is None else first[part.index]


class BaseAnswerHead(BaseModule):
    """Turns fused video-question states into answers.

    A head produces the tensors its losses consume (:meth:`loss_inputs`) and
    the answer strings at test time (:meth:`predict`). The model calls
    :meth:`bind` once after building, to hand over components a head may
    share (the tokenizer and the text encoder's embeddings), then
    :meth:`bind_model` once its losses exist.

    Multiple-choice questions (data samples with ``candidates``) are scored by
    an optional ``choice_scorer`` component (composition, so that any head
    can be combined with any scoring method): it fills ``pred_label`` and
    ``pred_scores`` and may add training tensors (:meth:`extra_loss_inputs`).

    Args:
        choice_scorer: Config of a choice scorer such as
            :class:`~mcg.heads.VTMChoiceScorer` or
            :class:`~mcg.heads.LikelihoodChoiceScorer`; None answers every
            question open-ended.
        init_cfg: MMEngine init config.
    """

    def __init__(self, choice_scorer: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.choice_scorer: Optional[nn.Module] = None
        if choice_scorer is not None:
            self.choice_scorer = (choice_scorer if isinstance(
                choice_scorer, nn.Module) else MODELS.build(choice_scorer))

    def bind(self, tokenizer, text_encoder) -> None:
        """Receive shared components; the default ignores them."""

    def bind_model(self, model: nn.Module) -> None:
        """Receive the built model (after its losses); passed to the scorer.

        Args:
            model: The :class:`~mcg.models.MCGVideoQA` owning this head. It
                must not be kept as a submodule.
        """
        if self.choice_scorer is not None:
            self.choice_scorer.bind_model(model)

    def loss_inputs(self, memory: Memory, memory_mask: Tensor,
                    data_samples: Sequence) -> Dict[str, Tensor]:
        """Compute what the configured losses need.

        Args:
            memory: (B, L, D) fused states (``[FUS]`` first) or a list of
                :class:`MemoryPart`.
            memory_mask: (B, L) mask of ``memory``.
            data_samples: One :class:`VideoQADataSample` per row.

        Returns:
            Named tensors for the losses; keys starting with ``acc_`` are
            logged as diagnostics.
        """
        raise NotImplementedError

    def extra_loss_inputs(self, outputs: Dict,
                          data_samples: Sequence) -> Dict[str, Tensor]:
        """Loss tensors that need more than the memory (choice scoring).

        Args:
            outputs: The model's collected outputs (``video_clips``,
                ``video_index``, ``memory``, ...).
            data_samples: One data sample per row.

        Returns:
            Named tensors (empty without a choice scorer).
        """
        if self.choice_scorer is None:
            return {}
        return self.choice_scorer.loss_inputs(outputs, data_samples)

    def predict(self, memory: Memory, memory_mask: Tensor,
                data_samples: Sequence) -> List[str]:
        """Return one answer string per row."""
        raise NotImplementedError

    @torch.no_grad()
    def predict_choices(self, outputs: Dict, data_samples: Sequence) -> None:
        """Fill ``pred_label``/``pred_scores`` of multiple-choice samples.

        Samples with ``candidates`` get the index of the best-scored
        candidate, the scores of all candidates, and that candidate's text as
        ``pred_answer``. Without a choice scorer nothing changes.

        Args:
            outputs: The model's collected outputs.
            data_samples: One data sample per row; modified in place.
        """
        if self.choice_scorer is None:
            return
        rows = [i for i, s in enumerate(data_samples)
                if s.get('candidates') is not None]
        if not rows:
            return
        scores = self.choice_scorer.score(outputs, data_samples, rows)
        for row, score in zip(rows, scores):
            sample = data_samples[row]
            label = int(score.argmax())
            sample.pred_scores = [float(x) for x in score.tolist()]
            sample.pred_label = label
            sample.pred_answer = sample.candidates[label]
