"""Say when question text is changed on its way into the model.

The tokenizer cuts a question longer than ``max_question_len`` tokens and
maps words it cannot spell with its vocabulary to ``[UNK]``; both happen
without a word from transformers, and both change what the model is asked.
:class:`QuestionAudit` counts them over a run and warns once, at the first
question affected.
"""
from __future__ import annotations

import logging
from typing import Sequence

from mmengine.logging import print_log


class QuestionAudit:
    """Running counts of truncated questions and ``[UNK]`` tokens.

    Attributes:
        questions: Questions tokenised so far.
        truncated: Of those, how many were longer than the limit.
        unk_tokens: ``[UNK]`` tokens in them (before truncation).
        warned: Whether the once-per-run warning was given.
    """

    def __init__(self) -> None:
        self.questions = 0
        self.truncated = 0
        self.unk_tokens = 0
        self.warned = False

    def check(self, tokenizer, questions: Sequence[str],
              max_len: int) -> None:
        """Count one batch, warning the first time a question is changed.

        Args:
            tokenizer: The model's (transformers) tokenizer.
            questions: The batch's question texts.
            max_len: Tokens kept per question, special tokens included.
        """
        ids = tokenizer(list(questions), truncation=False,
                        verbose=False)['input_ids']
        unk_id = tokenizer.unk_token_id
        self.questions += len(ids)
        self.truncated += sum(len(row) > max_len for row in ids)
        if unk_id is not None:
            self.unk_tokens += sum(row.count(unk_id) for row in ids)
        if not self.warned and (self.truncated or self.unk_tokens):
            self.warned = True
            print_log(f'{self.summary(max_len, tokenizer.unk_token)} (so '
                      'far; shown once per run, later cases are counted in '
                      'model.question_audit). Raise model.max_question_len '
                      'or check the questions\' characters.',
                      logger='current', level=logging.WARNING)

    def summary(self, max_len: int, unk_token: str = '[UNK]') -> str:
        """``'N of M questions truncated to K tokens; U tokens mapped to
        [UNK]'``."""
        return (f'{self.truncated} of {self.questions} questions truncated '
                f'to {max_len} tokens; {self.unk_tokens} tokens mapped to '
                f'{unk_token}')
