"""Reach the user's model inside MMEngine's training wrappers."""
from __future__ import annotations

from mmengine.model import is_model_wrapper
from torch import nn


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model a config built, inside DDP, FSDP or DeepSpeed wrappers.

    DDP and FSDP keep it in ``.module``; MMEngine's DeepSpeed wrapper keeps
    DeepSpeed's engine in ``.model``, and the engine (not a registered
    wrapper) keeps it in ``.module``.

    Args:
        model: ``runner.model``.

    Returns:
        The innermost model; ``model`` itself when it is not wrapped.
    """
    while is_model_wrapper(model):
        model = getattr(model, 'module', None) or model.model
    if type(model).__name__ == 'DeepSpeedEngine':
        model = model.module
    return model
