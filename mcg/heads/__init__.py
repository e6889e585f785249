"""Answer heads."""
from .base import BaseAnswerHead
from .generator import AnswerGeneratorHead, normalize_answer

__all__ = ['BaseAnswerHead', 'AnswerGeneratorHead', 'normalize_answer']
