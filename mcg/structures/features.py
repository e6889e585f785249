"""What the model computed for a batch, and what losses and scorers receive.

The contract between :class:`~mcg.models.MCGVideoQA`, its losses and its
heads' choice scorers is typed:

* :class:`VideoQAFeatures` is the record of one batch's stages (clip
  tokens, text tokens, fused states, the head's memory and loss inputs).
* :class:`HeadOutput` is one named group of a head's loss inputs (logits,
  targets and the head's diagnostics), e.g. ``'lm'``, ``'cls'``,
  ``'choice'``.
* :class:`Stages` carries the model's stage methods that a loss or scorer
  may run again on other inputs (fusing hard-negative pairs, fusing
  question + candidate texts), passed as an argument at each call.
* :class:`LossOutput` is what a loss returns: its unweighted value and its
  ``acc_*`` diagnostics.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import (Callable, Dict, Mapping, NamedTuple, Optional, Sequence,
                    Tuple)

from torch import Tensor

from mcg.layers.transformer_block import Memory


@dataclass
class HeadOutput:
    """One group of a head's loss inputs.

    Attributes:
        logits: (N, C) scores (answer tokens, classes or candidates).
        targets: (N,) target column of each row; ``-100`` is ignored.
        num_sequences: Answers the rows come from (the LM term's
            per-answer normalisation); None when rows are answers.
        diagnostics: ``acc_*`` values the model logs.
    """

    logits: Tensor
    targets: Tensor
    num_sequences: Optional[int] = None
    diagnostics: Dict[str, Tensor] = field(default_factory=dict)


@dataclass
class VideoQAFeatures:
    """The stages the model computed for one batch of questions.

    Questions about one video share its clip: ``clips`` has one row per
    distinct video and ``clip_index`` maps each question (text row) to its
    clip row.

    Attributes:
        clips: (V, L, Dv) video-encoder tokens, ``x_cls`` first.
        clip_index: (B,) clip row of each text row.
        text: (B, K, Dt) text-encoder states, ``y_cls`` first.
        text_mask: (B, K) 1 for real text tokens.
        fused: (B, F, Df) fusor states, ``[FUS]`` first.
        fused_mask: (B, F) mask of ``fused``.
        memory: What the answer head cross-attends to (a list of
            :class:`~mcg.layers.transformer_block.MemoryPart`); the fused
            states, possibly followed by others (``generator_memory``), or
            those of a prompt for captioning rows.
        memory_mask: (B, M) mask of ``memory``.
        head_outputs: The head's (and its choice scorer's) loss inputs by
            name (training only; empty otherwise).
    """

    clips: Tensor
    clip_index: Tensor
    text: Tensor
    text_mask: Tensor
    fused: Tensor
    fused_mask: Tensor
    memory: Memory
    memory_mask: Tensor
    head_outputs: Dict[str, HeadOutput] = field(default_factory=dict)

    def provides(self, name: str) -> bool:
        """Whether ``name`` is a field of this record or a head output."""
        if name in self.head_outputs:
            return True
        return (name in {f.name for f in fields(self)}
                and getattr(self, name) is not None)

    def diagnostics(self) -> Dict[str, Tensor]:
        """The ``acc_*`` values of all head outputs."""
        out: Dict[str, Tensor] = {}
        for head_output in self.head_outputs.values():
            out.update(head_output.diagnostics)
        return out


class FusedText(NamedTuple):
    """Encoded texts fused with their clips (``MCGVideoQA.fuse_texts``).

    Attributes:
        text: (N, K, Dt) text-encoder states.
        text_mask: (N, K) mask of ``text``.
        fused: (N, F, Df) fusor states, ``[FUS]`` first.
        fused_mask: (N, F) mask of ``fused``.
    """

    text: Tensor
    text_mask: Tensor
    fused: Tensor
    fused_mask: Tensor


#: ``fuse(text, text_mask, clips, clip_index) -> (fused, fused_mask)``.
FuseFn = Callable[[Tensor, Tensor, Tensor, Tensor], Tuple[Tensor, Tensor]]
#: ``fuse_texts(texts, clips, clip_index) -> FusedText``.
FuseTextsFn = Callable[[Sequence[str], Tensor, Tensor], FusedText]
#: ``similarity(features) -> (sim (B, V), tau)`` between texts and clips.
SimilarityFn = Callable[[VideoQAFeatures], Tuple[Tensor, Tensor]]


@dataclass(frozen=True)
class Stages:
    """Model stages handed to a loss or a choice scorer for one call.

    Attributes:
        fuse: The model's fusor stage over any pairing of encoded texts and
            clips (:meth:`MCGVideoQA.fuse`).
        fuse_texts: Questions to fused states (tokenise, text encoder,
            fusor) against given clips (:meth:`MCGVideoQA.fuse_texts`).
        similarity: For a loss with ``similarity_from``: that loss's
            text-to-clip similarity, wired by the model; else None.
    """

    fuse: FuseFn
    fuse_texts: FuseTextsFn
    similarity: Optional[SimilarityFn] = None


class LossOutput(NamedTuple):
    """What a loss returns.

    Attributes:
        loss: The unweighted scalar term.
        diagnostics: ``acc_*`` values the model logs (no gradient).
    """

    loss: Tensor
    # Read-only: a NamedTuple default is one object shared by every call.
    diagnostics: Mapping[str, Tensor] = MappingProxyType({})


class ModelWidths(NamedTuple):
    """Output widths of the model's encoders and fusor, which size the
    projections of losses and heads.

    Attributes:
        video: Width of the clip tokens.
        text: Width of the text states.
        fused: Width of the fused states.
    """

    video: int
    text: int
    fused: int


__all__ = ['FuseFn', 'FuseTextsFn', 'FusedText', 'HeadOutput', 'LossOutput',
           'ModelWidths', 'SimilarityFn', 'Stages', 'VideoQAFeatures']
