"""Multiple-choice scoring: pick the best of a question's candidates.

A head composes one of these (``choice_scorer=dict(type=...)``). Samples
with ``candidates`` get ``pred_label``/``pred_scores`` from :meth:`score`;
other samples are answered by the head as usual.

* :class:`VTMChoiceScorer` fuses each (video, question + candidate) pair and
  scores it with the video-text matching head: the paper's NExT-QA method.
* :class:`LikelihoodChoiceScorer` ranks candidates by the answer
  generator's log-likelihood, with no extra forward of the encoders.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mcg.losses.base import project_fp32
from mcg.layers.transformer_block import MemoryPart
from mcg.registry import MODELS
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
    """

    def bind_model(self, model: nn.Module) -> None:
        """Receive the built model (kept outside the module tree)."""
        self._model = [model]

    @property
    def model(self) -> nn.Module:
        return self._model[0]

    def score(self, outputs: Dict, data_samples: Sequence,
              rows: Sequence[int]) -> List[Tensor]:
        """One score per candidate for each row of ``rows``.

        Args:
            outputs: The model's collected outputs.
            data_samples: All samples of the batch.
            rows: Rows whose samples have ``candidates``.

        Returns:
            One (num_candidates,) tensor per row, higher = better.
        """
        raise NotImplementedError

    def loss_inputs(self, outputs: Dict,
                    data_samples: Sequence) -> Dict[str, Tensor]:
        """Training tensors; the default has none."""
        return {}


@MODELS.register_module()
class VTMChoiceScorer(BaseChoiceScorer):
    """Score ``question + " " + candidate`` against the video with VTM.

    Each pair goes through the text encoder and the fusor; the VTM head's
    log-odds of "matched" on ``[FUS]`` is the candidate's score. The VTM
    head is the one of the model's :class:`VideoTextMatchingLoss` when the
    model has one (so pre-trained VTM weights are used; keep it in
    ``model.losses`` with ``weight=0`` when fine-tuning), otherwise this
    scorer's own 2-way linear layer.

    Training (:meth:`loss_inputs`) gives ``choice_logits`` (N, K) and
    ``choice_targets`` (N,) for labelled samples: a softmax over the
    candidates' scores, consumed by ``AnswerClassificationLoss(
    inputs='choice')``.

    Args:
        template: Text of a pair, with ``{question}`` and ``{candidate}``.
        binary_candidates: Candidate lists of this exact form (CLEVRER's
            per-choice ``['wrong', 'correct']``) are judgements of the
            question text itself: its log-odds ``s`` gives scores
            ``[0, s]``.
        init_cfg: MMEngine init config.
    """

    def __init__(self, template: str = '{question} {candidate}',
                 binary_candidates: Optional[Sequence[str]] = ('wrong',
                                                               'correct'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.template = template
        self.binary_candidates = (tuple(binary_candidates)
                                  if binary_candidates else None)
        self.vtm_head: Optional[nn.Linear] = None
        self._vtm_loss: List = []

    def bind_model(self, model: nn.Module) -> None:
        super().bind_model(model)
        from mcg.losses.vtm import VideoTextMatchingLoss
        found = [m for m in model.losses.values()
                 if isinstance(m, VideoTextMatchingLoss)]
        if found:
            self._vtm_loss = found[:1]
        elif self.vtm_head is None:
            self.vtm_head = nn.Linear(model.fusor.embed_dims, 2)

    @property
    def head(self) -> nn.Module:
        return self._vtm_loss[0].head if self._vtm_loss else self.vtm_head

    def _row_logits(self, outputs: Dict, data_samples: Sequence,
                    rows: Sequence[int]) -> List[Tensor]:
        texts, clip_rows, spans = [], [], []
        index = outputs['video_index']
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
        model = self.model
        clips = outputs['video_clips']
        tok = model.tokenize_questions(texts, clips.device)
        text = model.text_encoder(tok['input_ids'], tok['attention_mask'])
        rows_t = torch.as_tensor(clip_rows, device=clips.device)
        fused, _ = model.fusor(text, tok['attention_mask'],
                               [MemoryPart(clips, index[rows_t])])
        pair = project_fp32(self.head, fused[:, 0])
        match = pair[:, 1] - pair[:, 0]
        out = []
        for part, (_, binary) in zip(match.split([n for n, _ in spans]),
                                     spans):
            out.append(torch.stack([torch.zeros_like(part[0]), part[0]])
                       if binary else part)
        return out

    def score(self, outputs: Dict, data_samples: Sequence,
              rows: Sequence[int]) -> List[Tensor]:
        return self._row_logits(outputs, data_samples, rows)

    def loss_inputs(self, outputs: Dict,
                    data_samples: Sequence) -> Dict[str, Tensor]:
        rows = [i for i, s in enumerate(data_samples)
                if s.get('candidates') is not None
                and s.get('gt_label') is not None]
        if not rows:
            # A batch without choice questions (CLEVRER descriptive ones):
            # empty tensors keep the loss defined (it returns 0).
            empty = outputs['fused'].new_zeros(0, 2)
            return dict(choice_logits=empty,
                        choice_targets=empty.new_zeros(0, dtype=torch.long))
        logits = pad_scores(self._row_logits(outputs, data_samples, rows))
        targets = torch.as_tensor(
            [int(data_samples[r].gt_label) for r in rows],
            device=logits.device)
        with torch.no_grad():
            acc = (logits.argmax(-1) == targets).float().mean()
        return dict(choice_logits=logits, choice_targets=targets,
                    acc_choice=acc)


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

    def __init__(self, length_norm: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.length_norm = length_norm

    def bind_model(self, model: nn.Module) -> None:
        if not hasattr(model.head, 'score_answers'):
            raise TypeError(
                'LikelihoodChoiceScorer needs a generator head with '
                f'score_answers; the model has {type(model.head).__name__}')
        super().bind_model(model)

    def score(self, outputs: Dict, data_samples: Sequence,
              rows: Sequence[int]) -> List[Tensor]:
        mask = outputs['memory_mask']
        rows_t = torch.as_tensor(list(rows), device=mask.device)
        return self.model.head.score_answers(
            select_memory(outputs['memory'], rows_t), mask[rows_t],
            [list(data_samples[r].candidates) for r in rows],
            length_norm=self.length_norm)
