"""Cross-modal fusors."""
from .base import BaseFusor
from .cross_attention import CrossAttentionFusor, load_bert_layers

__all__ = ['BaseFusor', 'CrossAttentionFusor', 'load_bert_layers']
