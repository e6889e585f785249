"""K-way answer classifier on the fusor's ``[FUS]`` state (MCG-CH)."""
from __future__ import annotations

from collections import Counter
from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor, nn

from mcg.layers.transformer_block import Memory
from mcg.registry import MODELS
from mcg.structures.features import HeadOutput, ModelWidths
from mcg.utils.pretrained import optional
from mcg.utils.text import normalize_answer
from .answer_trie import read_answers
from .base import BaseAnswerHead, fused_cls

#: Target of a question whose answer is not among the K classes.
IGNORE_INDEX = -100


def top_answers(answers: Sequence[str], k: int) -> List[str]:
    """The ``k`` most frequent normalised answers, ties in first-seen order.

    Args:
        answers: Training answers (raw text).
        k: Number of classes.

    Returns:
        Up to ``k`` distinct normalised answers, most frequent first.
    """
    counts = Counter(a for a in map(normalize_answer, answers) if a)
    # Counter.most_common keeps insertion order among equal counts.
    return [a for a, _ in counts.most_common(k)]


@MODELS.register_module()
class AnswerClassifierHead(BaseAnswerHead):
    """The paper's MCG-CH ablation: classify ``[FUS]`` over the top-K answers.

    As in ClipBERT/ALPRO, the classes are the K most frequent answers of the
    training split; a question whose answer is not among them is ignored by
    the loss (``cls_targets == -100``) and, since the head cannot produce
    it, always counts as wrong at test. The answer list is read lazily (on
    the first loss or prediction), so the model builds without the data.

    The MLP follows ALPRO's QA head: ``Linear(d, 2d)``, ReLU, ``Linear(2d,
    K)``.

    Args:
        in_dims: Width of the fusor output; None (default) takes it from
            the model when it binds the head (:meth:`bind`).
        num_classes: K, the number of answer classes.
        answer_file: JSON list of training answers (strings, or records with
            an ``answer`` field such as ActivityNet-QA's ``train_a.json``);
            the top-K by frequency become the classes.
        answers: The class list itself (used instead of ``answer_file``).
        hidden_dims: MLP hidden width; None = ``2 * in_dims``.
        dropout: Dropout before the MLP.
        compat_tokens: Special tokens registered in the tokenizer as the
            generator does (``[GEN]``), so a generator checkpoint's word
            embeddings load without a shape mismatch.
        choice_scorer: See :class:`BaseAnswerHead`.
        init_cfg: MMEngine init config.
    """

    def __init__(self, in_dims: Optional[int] = None,
                 num_classes: int = 1000,
                 answer_file: Optional[str] = None,
                 answers: Optional[Sequence[str]] = None,
                 hidden_dims: Optional[int] = None, dropout: float = 0.0,
                 compat_tokens: Sequence[str] = ('[GEN]', ),
                 choice_scorer: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(choice_scorer=choice_scorer, init_cfg=init_cfg)
        if answer_file is None and answers is None:
            raise ValueError('AnswerClassifierHead needs answer_file (the '
                             'training answers) or answers (the class list)')
        self.num_classes = num_classes
        self.answer_file = optional(answer_file)
        self._answers = list(answers) if answers is not None else None
        self.compat_tokens = tuple(compat_tokens)
        self.hidden_dims, self.dropout = hidden_dims, dropout
        self.mlp: Optional[nn.Sequential] = None
        if in_dims is not None:
            self._build_mlp(in_dims)
        self._index: Optional[Dict[str, int]] = None

    def _build_mlp(self, in_dims: int) -> None:
        hidden_dims = self.hidden_dims or 2 * in_dims
        self.mlp = nn.Sequential(
            nn.Dropout(self.dropout), nn.Linear(in_dims, hidden_dims),
            nn.ReLU(inplace=True), nn.Linear(hidden_dims, self.num_classes))

    def bind(self, tokenizer, text_encoder,
             widths: Optional[ModelWidths] = None) -> None:
        """Register the compatibility tokens (see ``compat_tokens``) and
        size the MLP from the fusor width if ``in_dims`` was not given."""
        missing = [t for t in self.compat_tokens
                   if t not in tokenizer.get_vocab()]
        if missing:
            tokenizer.add_special_tokens(
                {'additional_special_tokens': missing})
        text_encoder.resize_token_embeddings(len(tokenizer))
        if widths is None:
            return
        if self.mlp is None:
            self._build_mlp(widths.fused)
        elif self.mlp[1].in_features != widths.fused:
            raise ValueError(
                f'AnswerClassifierHead in_dims={self.mlp[1].in_features} '
                f'but the fusor gives width {widths.fused}; leave in_dims '
                'unset to take it from the fusor')

    @property
    def classes(self) -> List[str]:
        """The answer of each class (at most ``num_classes``)."""
        if self._answers is None:
            self._answers = top_answers(read_answers(self.answer_file),
                                        self.num_classes)
        elif self._index is None:
            self._answers = [normalize_answer(a)
                             for a in self._answers][:self.num_classes]
        if self._index is None:
            self._index = {a: i for i, a in enumerate(self._answers)}
        return self._answers

    def targets(self, answers: Sequence[str], device) -> Tensor:
        """Class of each answer, ``-100`` when it is not a class."""
        self.classes  # noqa: B018 (loads the vocabulary)
        return torch.tensor(
            [self._index.get(normalize_answer(a), IGNORE_INDEX)
             for a in answers], dtype=torch.long, device=device)

    def forward(self, memory: Memory) -> Tensor:
        """(B, num_classes) logits from the ``[FUS]`` states."""
        if self.mlp is None:
            raise RuntimeError('AnswerClassifierHead without in_dims must be '
                               'bound to a model (bind) before use')
        return self.mlp(fused_cls(memory))

    def loss_inputs(self, memory: Memory, memory_mask: Tensor,
                    data_samples: Sequence) -> Dict[str, HeadOutput]:
        logits = self(memory)
        targets = self.targets([s.gt_answer for s in data_samples],
                               logits.device)
        with torch.no_grad():
            # Out-of-vocabulary answers count as wrong, as at test time.
            acc = (logits.argmax(-1) == targets).float().mean()
            in_vocab = (targets != IGNORE_INDEX).float().mean()
        return dict(cls=HeadOutput(logits, targets, diagnostics=dict(
            acc_cls=acc, acc_cls_coverage=in_vocab)))

    def answer_compute(self, memory: Memory, memory_mask: Tensor,
                       answer_len: int) -> Tensor:
        """The class logits (one pass, whatever the answer length)."""
        return self(memory)

    def predict(self, memory: Memory, memory_mask: Tensor,
                data_samples: Sequence) -> List[str]:
        classes = self.classes
        # Columns beyond the list (fewer distinct answers than K) never win.
        logits = self(memory)[:, :len(classes)]
        return [classes[i] for i in logits.argmax(-1).tolist()]
