"""Fail fast, with a readable message, when data or weights are missing."""
from __future__ import annotations

import copy

from mmengine.config import Config

from mcg.datasets.text_files import AnnotationError
from mcg.registry import DATASETS
from mcg.utils.pretrained import MissingPretrainedError
from .launch import MissingPackageError

#: Errors that mean "the user's data, assets or packages are not in place".
USER_ERRORS = (FileNotFoundError, MissingPretrainedError, AnnotationError,
               MissingPackageError)


def annotations_only(ds_cfg: dict) -> dict:
    """A copy of a dataset config that skips decoding (no pipeline).

    Dataset wrappers (configs with an inner ``dataset``) are unwrapped, so
    the check builds the dataset that reads the annotation files.
    """
    ds_cfg = copy.deepcopy(ds_cfg)
    while isinstance(ds_cfg.get('dataset'), dict):
        ds_cfg = ds_cfg['dataset']
    ds_cfg['pipeline'] = []
    return ds_cfg


def check_datasets(cfg: Config, loaders=('train_dataloader',)) -> None:
    """Build the datasets of ``loaders`` to check their files exist.

    Args:
        cfg: Full config.
        loaders: Dataloader keys to check.

    Raises:
        FileNotFoundError: With the missing path and the data doc.
        AnnotationError: A malformed record (file, index, field).
    """
    for key in loaders:
        loader = cfg.get(key)
        if not loader:
            continue
        DATASETS.build(annotations_only(loader['dataset']))
