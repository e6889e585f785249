"""Utilities shared across mcg."""
from .config_overrides import (ConfigOverrideError, load_config,
                               merge_overrides)
from .pretrained import (MissingPretrainedError, load_or_explain, optional,
                         resolve_pretrained)

__all__ = ['ConfigOverrideError', 'load_config', 'merge_overrides',
           'MissingPretrainedError', 'load_or_explain',
           'optional', 'resolve_pretrained']
