"""Metrics and evaluation helpers."""
from .metrics import *  # noqa: F401,F403
from .metrics import __all__  # noqa: F401
from .wordnet import WordNetUnavailable, wordnet_status  # noqa: E402
from .wups import wups  # noqa: E402

__all__ = list(__all__) + ['WordNetUnavailable', 'wordnet_status', 'wups']
