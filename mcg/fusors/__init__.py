"""Cross-modal fusors."""
from .base import BaseFusor
from .concat_self_attention import ConcatSelfAttentionFusor
from .cross_attention import CrossAttentionFusor

__all__ = ['BaseFusor', 'ConcatSelfAttentionFusor', 'CrossAttentionFusor']
