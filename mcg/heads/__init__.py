"""Answer heads and multiple-choice scorers."""
from mcg.utils.text import normalize_answer

from .answer_trie import AnswerTrie, read_answers
from .base import BaseAnswerHead, fused_cls, select_memory
from .choice_scoring import (BaseChoiceScorer, LikelihoodChoiceScorer,
                             VTMChoiceScorer)
from .classifier import AnswerClassifierHead, top_answers
from .generator import AnswerGeneratorHead

__all__ = ['AnswerClassifierHead', 'AnswerGeneratorHead', 'AnswerTrie',
           'BaseAnswerHead', 'BaseChoiceScorer', 'LikelihoodChoiceScorer',
           'VTMChoiceScorer', 'fused_cls', 'normalize_answer', 'read_answers',
           'select_memory', 'top_answers']
