"""Role base class of mcg's training objectives."""
from __future__ import annotations

from typing import Dict

from mmengine.model import BaseModule
from torch import Tensor, nn


def project_fp32(layer: nn.Module, x: Tensor) -> Tensor:
    """``layer(x)`` in the layer's own dtype, returned in fp32.

    Losses compute in fp32, but their layers may be bf16: DeepSpeed's bf16
    mode casts the whole module without autocast, and a bf16 ``Linear``
    refuses fp32 inputs.

    Args:
        layer: A module with a ``weight`` (e.g. ``nn.Linear``).
        x: Its input, any float dtype.

    Returns:
        The output as fp32.
    """
    return layer(x.to(layer.weight.dtype)).float()


class BaseMCGLoss(BaseModule):
    """A weighted term of the training objective (Eq. 11 of the paper).

    Losses read what they need from the ``outputs`` dict the model collects
    (encoder states, head outputs, ...), so a loss is switched off by setting
    its ``weight`` to 0 in the config's ``model.losses`` dict, and a new loss
    plugs in without touching the model. A loss may also write diagnostics
    named ``acc_*`` into ``outputs``; the model logs them.

    Args:
        weight: Multiplier of the term; 0 skips its computation entirely.
        init_cfg: MMEngine init config.
    """

    #: ``outputs`` keys this loss reads; the model checks they exist.
    requires: tuple = ()

    def __init__(self, weight: float = 1.0, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.weight = float(weight)

    def bind(self, model: nn.Module) -> None:
        """Receive the built model once, before training.

        Losses with parameters whose sizes depend on the model (projections
        from the encoders' widths) create them here; a loss must not keep the
        model as a submodule. The default does nothing.

        Args:
            model: The model that owns this loss.
        """

    def forward(self, outputs: Dict[str, Tensor]) -> Tensor:
        """Return the unweighted scalar loss."""
        raise NotImplementedError
