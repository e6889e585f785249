"""Multiple-choice scoring: pick the best of a question's candidates.

A head composes one of these (``choice_scorer=dict(type=...)``). Samples
with ``candidates`` get ``pred_label``/``pred_scores`` from :meth:`score`;
other samples are answered by the head as usual.

* :class:`VTMChoiceScorer` fuses each (video, question + candidate) pair and
  scores it with the video-text matching head: the paper's NExT-QA method.
* :class:`LikelihoodChoiceScorer` ranks candidates by the answer
  generator's log-likelihood, with no extra forward of the encoders.

A scorer keeps no reference to the model: the model binds it once
(:meth:`BaseChoiceScorer.bind`: its answer head, the fusor width, and the
module of the loss named by ``head_from``), and every call receives the
batch's :class:`~mcg.structures.VideoQAFeatures`, the model's
:class:`~mcg.structures.Stages` and the answer head as arguments.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mcg.layers.fp32 import project_fp32
from mcg.registry import MODELS
from mcg.structures.features import HeadOutput, Stages, VideoQAFeatures
from .base import select_memory


def pad_scores(scores: Sequence[Tensor]) -> Tensor:
    """Stack per-question candidate scores into (N, Kmax), ``-inf``-padded."""
    width = max(len(s) for s in scores)
    out = scores[0].new_full((len(scores), width), float('-inf'))
    for i, s in enumerate(scores):
        out[i, :len(s)] = s
    return out


class BaseChoiceScorer(BaseModule):
    """Scores the candidates of multiple-choice samples.

    Subclasses implement :meth:`score`; :meth:`loss_inputs` adds training
    tensors when the scoring itself must be trained.

    Attributes:
        head_from: Name of a loss in ``model.losses`` whose ``head`` module
            this scorer uses (passed to :meth:`bind`); None uses none.
        candidate_stages: The model stages run again for each candidate
            (``'text encoder'``, ``'fusor'``, ``'answer pass'``: the head's
            answer pass); FLOPs accounting (``tools/analyze_flops.py``).
    """

    head_from: Optional[str] = None
    candidate_stages: tuple = ()

    def bind(self, answer_head: nn.Module, fused_dims: int,
             shared_head: Optional[nn.Module] = None) -> None:
        """Receive what the scorer is built against, once, from the model.

        Args:
            answer_head: The answer head composing this scorer (checked, not
                kept: it is passed again to :meth:`score`).
            fused_dims: Width of the fused states.
            shared_head: The ``head`` of the loss named by ``head_from``, if
                the model has that loss.
        """

    def score(self, features: VideoQAFeatures, data_samples: Sequence,
              rows: Sequence[int], stages: Stages,
              answer_head: nn.Module) -> List[Tensor]:
        """One score per candidate for each row of ``rows``.

        Args:
            features: What the model computed for the batch.
            data_samples: All samples of the batch.
            rows: Rows whose samples have ``candidates``.
            stages: The model's stages.
            answer_head: The answer head composing this scorer.

        Returns:
            One (num_candidates,) tensor per row, higher = better.
        """
        raise NotImplementedError

    def loss_inputs(self, features: VideoQAFeatures, data_samples: Sequence,
                    stages: Stages,
                    answer_head: nn.Module) -> Dict[str, HeadOutput]:
        """Training tensors (named head outputs); the default has none."""
        return {}


@MODELS.register_module()
class VTMChoiceScorer(BaseChoiceScorer):
    """Score ``question + " " + candidate`` against the video with VTM.

    Each pair goes through the model's ``fuse_texts`` stage (text encoder
    and fusor); the VTM head's log-odds of "matched" on ``[FUS]`` is the
    candidate's score. The VTM head is the ``head`` of the loss named
    ``head_from`` (``'vtm'``, a :class:`VideoTextMatchingLoss`) when the
    model has it, which the model hands over at :meth:`bind` (so
    pre-trained VTM weights are used and stay under ``losses.vtm`` in
    checkpoints; keep that loss in ``model.losses`` with ``weight=0`` when
    fine-tuning), otherwise this scorer's own 2-way linear layer.

    Training (:meth:`loss_inputs`) gives the head output ``'choice'``:
    logits (N, K) and targets (N,) for labelled samples, a softmax over the
    candidates' scores, consumed by ``AnswerClassificationLoss(
    inputs='choice')``.

    Args:
        template: Text of a pair, with ``{question}`` and ``{candidate}``.
        binary_candidates: Candidate lists of this exact form (CLEVRER's
            per-choice ``['wrong', 'correct']``) are judgements of the
            question text itself: its log-odds ``s`` gives scores
            ``[0, s]``.
        head_from: Name of the VTM loss whose head scores the pairs.
        init_cfg: MMEngine init config.
    """

    candidate_stages = ('text encoder', 'fusor')

    def __init__(self, template: str = '{question} {candidate}',
                 binary_candidates: Optional[Sequence[str]] = ('wrong',
                                                               'correct'),
                 head_from: Optional[str] = 'vtm',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.template = template
        self.binary_candidates = (tuple(binary_candidates)
                                  if binary_candidates else None)
        self.head_from = head_from
        self.vtm_head: Optional[nn.Linear] = None
        # A list keeps the loss's head out of this module's state dict.
        self._shared_head: List[nn.Module] = []

    def bind(self, answer_head: nn.Module, fused_dims: int,
             shared_head: Optional[nn.Module] = None) -> None:
        if shared_head is not None:
            self._shared_head = [shared_head]
        elif self.vtm_head is None:
            self.vtm_head = nn.Linear(fused_dims, 2)

    @property
    def head(self) -> nn.Module:
        """The 2-way matching head in use."""
        return self._shared_head[0] if self._shared_head else self.vtm_head

    def _row_logits(self, features: VideoQAFeatures, data_samples: Sequence,
                    rows: Sequence[int], stages: Stages) -> List[Tensor]:
        texts, clip_rows, spans = [], [], []
        for r in rows:
            sample = data_samples[r]
            cands = list(sample.candidates)
            if (self.binary_candidates
                    and tuple(cands) == self.binary_candidates):
                pair_texts, binary = [sample.question], True
            else:
                pair_texts = [self.template.format(question=sample.question,
                                                   candidate=c)
                              for c in cands]
                binary = False
            texts += pair_texts
            clip_rows += [r] * len(pair_texts)
            spans.append((len(pair_texts), binary))
        clips = features.clips
        rows_t = torch.as_tensor(clip_rows, device=clips.device)
        fused = stages.fuse_texts(texts, clips,
                                  features.clip_index[rows_t]).fused
        pair = project_fp32(self.head, fused[:, 0])
        match = pair[:, 1] - pair[:, 0]
        out = []
        for part, (_, binary) in zip(match.split([n for n, _ in spans]),
                                     spans):
            out.append(torch.stack([torch.zeros_like(part[0]), part[0]])
                       if binary else part)
        return out

    def score(self, features: VideoQAFeatures, data_samples: Sequence,
              rows: Sequence[int], stages: Stages,
              answer_head: nn.Module) -> List[Tensor]:
        return self._row_logits(features, data_samples, rows, stages)

    def loss_inputs(self, features: VideoQAFeatures, data_samples: Sequence,
                    stages: Stages,
                    answer_head: nn.Module) -> Dict[str, HeadOutput]:
        rows = [i for i, s in enumerate(data_samples)
                if s.get('candidates') is not None
                and s.get('gt_label') is not None]
        if not rows:
            # A batch without choice questions (CLEVRER descriptive ones):
            # empty tensors keep the loss defined (it returns 0).
            empty = features.fused.new_zeros(0, 2)
            return dict(choice=HeadOutput(
                empty, empty.new_zeros(0, dtype=torch.long)))
        logits = pad_scores(self._row_logits(features, data_samples, rows,
                                             stages))
        targets = torch.as_tensor(
            [int(data_samples[r].gt_label) for r in rows],
            device=logits.device)
        with torch.no_grad():
            acc = (logits.argmax(-1) == targets).float().mean()
        return dict(choice=HeadOutput(logits, targets,
                                      diagnostics={'acc_choice': acc}))


@MODELS.register_module()
class LikelihoodChoiceScorer(BaseChoiceScorer):
    """Rank candidates by the generator's log-likelihood of each.

    Needs a head with ``score_answers`` (:class:`AnswerGeneratorHead`);
    the generator is trained as usual by the LM loss on the correct
    candidate (``gt_answer``), so this scorer adds no training tensors.

    Args:
        length_norm: Average the log-likelihood over the candidate's tokens
            (``[SEP]`` included) instead of summing, so that long
            candidates are not penalised for their length.
        init_cfg: MMEngine init config.
    """

    candidate_stages = ('answer pass', )

    def __init__(self, length_norm: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.length_norm = length_norm

    def bind(self, answer_head: nn.Module, fused_dims: int,
             shared_head: Optional[nn.Module] = None) -> None:
        if not callable(getattr(answer_head, 'score_answers', None)):
            raise TypeError(
                'LikelihoodChoiceScorer needs a generator head with '
                f'score_answers; the model has {type(answer_head).__name__}')

    def score(self, features: VideoQAFeatures, data_samples: Sequence,
              rows: Sequence[int], stages: Stages,
              answer_head: nn.Module) -> List[Tensor]:
        mask = features.memory_mask
        rows_t = torch.as_tensor(list(rows), device=mask.device)
        return answer_head.score_answers(
            select_memory(features.memory, rows_t), mask[rows_t],
            [list(data_samples[r].candidates) for r in rows],
            length_norm=self.length_norm)
