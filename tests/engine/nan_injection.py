"""A test hook that poisons one rank's copy of a weight (custom_imports)."""
import math

from mmengine.dist import get_rank
from mmengine.hooks import Hook

from mcg.engine.model_utils import unwrap_model
from mcg.registry import HOOKS


@HOOKS.register_module()
class PoisonOneRankHook(Hook):
    """Before iteration ``at_iter``, set ``head.lm_bias`` to NaN on
    ``rank`` only, so that only that rank's loss is NaN."""

    def __init__(self, rank: int = 1, at_iter: int = 1) -> None:
        self.rank, self.at_iter = rank, at_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter == self.at_iter and get_rank() == self.rank:
            unwrap_model(runner.model).head.lm_bias.data.fill_(math.nan)
