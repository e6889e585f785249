"""Fail fast, with a readable message, when data or weights are missing."""
from __future__ import annotations

import copy

from mmengine.config import Config

from mcg.datasets.anetqa import AnnotationError
from mcg.utils.pretrained import MissingPretrainedError

#: Errors that mean "the user's data or assets are not in place".
USER_ERRORS = (FileNotFoundError, MissingPretrainedError, AnnotationError)


def check_datasets(cfg: Config, loaders=('train_dataloader',)) -> None:
    """Build the datasets of ``loaders`` to check their files exist.

    Args:
        cfg: Full config.
        loaders: Dataloader keys to check.

    Raises:
        FileNotFoundError: With the missing path and the data doc.
        AnnotationError: A malformed record (file, index, field).
    """
    from mcg.registry import DATASETS
    for key in loaders:
        loader = cfg.get(key)
        if not loader:
            continue
        ds_cfg = copy.deepcopy(loader['dataset'])
        ds_cfg['pipeline'] = []  # annotations only, no decoding
        DATASETS.build(ds_cfg)
