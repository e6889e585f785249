"""Role base class of answer heads (generator or classifier)."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mcg.layers.transformer_block import Memory, MemoryPart
from mcg.registry import MODELS
from mcg.registry.roles import declare_role
from mcg.structures.features import (HeadOutput, ModelWidths, Stages,
                                     VideoQAFeatures)


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


@declare_role('answer head')
class BaseAnswerHead(BaseModule):
    """Turns fused video-question states into answers.

    A head produces the tensors its losses consume (:meth:`loss_inputs`,
    named :class:`~mcg.structures.HeadOutput` groups) and the answer strings
    at test time (:meth:`predict`). The model calls :meth:`bind` once after
    building, to hand over components a head may share (the tokenizer and
    the text encoder's embeddings); a head keeps no reference to the model.

    Multiple-choice questions (data samples with ``candidates``) are scored by
    an optional ``choice_scorer`` component (composition, so that any head
    can be combined with any scoring method): it fills ``pred_label`` and
    ``pred_scores`` and may add training tensors
    (:meth:`choice_loss_inputs`). The model binds it (see
    :meth:`BaseChoiceScorer.bind`) and passes its stages at each call.

    Attributes:
        generates_tokens: Whether the head decodes answers token by token
            (FLOPs accounting: a per-token cost exists).

    Args:
        choice_scorer: Config of a choice scorer such as
            :class:`~mcg.heads.VTMChoiceScorer` or
            :class:`~mcg.heads.LikelihoodChoiceScorer`; None answers every
            question open-ended.
        init_cfg: MMEngine init config.
    """

    generates_tokens: bool = False

    def __init__(self, choice_scorer: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.choice_scorer: Optional[nn.Module] = None
        if choice_scorer is not None:
            self.choice_scorer = (choice_scorer if isinstance(
                choice_scorer, nn.Module) else MODELS.build(choice_scorer))

    def bind(self, tokenizer, text_encoder,
             widths: Optional[ModelWidths] = None) -> None:
        """Receive shared components; the default ignores them.

        Args:
            tokenizer: The model's tokenizer (a head may add tokens).
            text_encoder: The text encoder (shared embeddings).
            widths: The model's widths, to size layers whose input width
                was not given (e.g. the classifier's ``in_dims``).
        """

    def loss_inputs(self, memory: Memory, memory_mask: Tensor,
                    data_samples: Sequence) -> Dict[str, HeadOutput]:
        """Compute what the configured losses need.

        Args:
            memory: (B, L, D) fused states (``[FUS]`` first) or a list of
                :class:`MemoryPart`.
            memory_mask: (B, L) mask of ``memory``.
            data_samples: One :class:`VideoQADataSample` per row.

        Returns:
            Named :class:`HeadOutput` groups (e.g. ``'lm'``, ``'cls'``), read
            by the losses that ``require`` them; their ``acc_*`` diagnostics
            are logged.
        """
        raise NotImplementedError

    def choice_loss_inputs(self, features: VideoQAFeatures,
                           data_samples: Sequence,
                           stages: Stages) -> Dict[str, HeadOutput]:
        """Loss inputs of multiple-choice scoring (needs more than memory).

        Args:
            features: What the model computed for the batch.
            data_samples: One data sample per row.
            stages: The model's stages (the scorer may fuse new texts).

        Returns:
            Named head outputs (empty without a choice scorer).
        """
        if self.choice_scorer is None:
            return {}
        return self.choice_scorer.loss_inputs(features, data_samples, stages,
                                              self)

    def predict(self, memory: Memory, memory_mask: Tensor,
                data_samples: Sequence) -> List[str]:
        """Return one answer string per row."""
        raise NotImplementedError

    def answer_compute(self, memory: Memory, memory_mask: Tensor,
                       answer_len: int) -> Tensor:
        """The computation of answering, as one traceable call.

        Used to count FLOPs (``tools/analyze_flops.py``): a head returns the
        output of the work it does per question, on tensors only.

        Args:
            memory: (B, M, D) memory or a list of :class:`MemoryPart`.
            memory_mask: (B, M) its mask.
            answer_len: Answer tokens (heads that decode token by token).
        """
        raise NotImplementedError

    @torch.no_grad()
    def predict_choices(self, features: VideoQAFeatures,
                        data_samples: Sequence, stages: Stages) -> None:
        """Fill ``pred_label``/``pred_scores`` of multiple-choice samples.

        Samples with ``candidates`` get the index of the best-scored
        candidate, the scores of all candidates, and that candidate's text as
        ``pred_answer``. Without a choice scorer nothing changes.

        Args:
            features: What the model computed for the batch.
            data_samples: One data sample per row; modified in place.
            stages: The model's stages (the scorer may fuse new texts).
        """
        if self.choice_scorer is None:
            return
        rows = [i for i, s in enumerate(data_samples)
                if s.get('candidates') is not None]
        if not rows:
            return
        scores = self.choice_scorer.score(features, data_samples, rows,
                                          stages, self)
        for row, score in zip(rows, scores):
            sample = data_samples[row]
            label = int(score.argmax())
            sample.pred_scores = [float(x) for x in score.tolist()]
            sample.pred_label = label
            sample.pred_answer = sample.candidates[label]
