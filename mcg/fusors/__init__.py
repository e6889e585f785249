"""Cross-modal fusors."""
from .base import BaseFusor
from .concat_self_attention import ConcatSelfAttentionFusor
from .cross_attention import CrossAttentionFusor, load_bert_layers

__all__ = ['BaseFusor', 'ConcatSelfAttentionFusor', 'CrossAttentionFusor',
           'load_bert_layers']
