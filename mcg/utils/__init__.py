"""Utilities shared across mcg."""
from .pretrained import (MissingPretrainedError, load_hf_state_dict,
                         load_or_explain, optional, resolve_pretrained)

__all__ = ['MissingPretrainedError', 'load_hf_state_dict', 'load_or_explain',
           'optional', 'resolve_pretrained']
