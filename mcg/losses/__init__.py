"""Training objectives."""
from .base import BaseMCGLoss
from .lm import LanguageModelingLoss

__all__ = ['BaseMCGLoss', 'LanguageModelingLoss']
