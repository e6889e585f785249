"""Configs as the command-line tools use them, for any script or notebook.

Every tool starts the same way: register mcg's components, read a config
file with ``--cfg-options`` that take effect (:func:`load_run_config`),
default the work dir to the config's name (:func:`default_work_dir`), and
either build the model of a trained checkpoint with the answer vocabulary
saved in it (:func:`build_model_for_checkpoint`) or pick the split to
evaluate with deterministic sampling (:func:`eval_dataset_config`). These
functions are that start, so the tools under ``tools/`` are thin
command-line wrappers around them.
"""
from __future__ import annotations

import copy
import os.path as osp
from typing import Dict, Optional, Tuple, Union

from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch import nn

from mcg import register_all_modules
from mcg.engine.checkpoint_fit import read_checkpoint
from mcg.engine.inference_meta import apply_inference_meta, load_for_inference
from mcg.registry import MODELS
from mcg.utils import load_config


def load_run_config(path: str, cfg_options: Optional[Dict] = None) -> Config:
    """Register mcg's components and read a config with its overrides.

    Args:
        path: The config file.
        cfg_options: ``{dotted key: value}`` as ``--cfg-options`` gives
            them; an override of a config variable (``data_root``,
            ``max_epochs``, ...) re-evaluates the file (see
            :func:`mcg.utils.load_config`).

    Returns:
        The config.

    Raises:
        FileNotFoundError: No such config file.
        mcg.utils.ConfigOverrideError: An override that would do nothing.
    """
    register_all_modules(init_default_scope=False)
    return load_config(path, cfg_options)


def default_work_dir(config_path: str) -> str:
    """``./work_dirs/<config name>``, where a run writes unless told.

    Args:
        config_path: The config file.

    Returns:
        The folder (relative to the working directory).
    """
    return osp.join('./work_dirs',
                    osp.splitext(osp.basename(config_path))[0])


def read_checkpoint_for(cfg: Config, checkpoint: str,
                        strict: bool = True) -> Tuple[Config, dict]:
    """Read a trained checkpoint and fit a copy of the config to it.

    The checkpoint is loaded weights-only (nothing pickled in it runs), and
    the answer vocabulary saved in it replaces the config's, so no dataset
    file is needed to answer as the trained model did.

    Args:
        cfg: The config; not changed.
        checkpoint: The checkpoint file.
        strict: Refuse a config whose answer vocabulary contradicts the
            checkpoint's; False keeps the config's and logs a warning.

    Returns:
        ``(config copy, checkpoint dict)``.

    Raises:
        mcg.engine.checkpoint_fit.CheckpointError: It is missing or cannot
            be read, or (``strict``) it contradicts the config.
    """
    ckpt = read_checkpoint(checkpoint)
    cfg = copy.deepcopy(cfg)
    apply_inference_meta(cfg, ckpt, checkpoint, strict)
    return cfg, ckpt


def build_model_for_checkpoint(cfg: Config, checkpoint: Optional[str],
                               strict: bool = True
                               ) -> Tuple[nn.Module, Config]:
    """The config's model with every weight of a trained checkpoint.

    Args:
        cfg: The config; not changed.
        checkpoint: The checkpoint file, or None for the model's own
            initialisation.
        strict: Refuse a checkpoint whose weights do not all fit the model
            (or whose answer vocabulary contradicts the config); False
            loads what fits and logs the rest.

    Returns:
        ``(model in eval mode, the config it was built from)``; the config
        carries the checkpoint's answer vocabulary.

    Raises:
        FileNotFoundError: No such checkpoint.
        mcg.engine.checkpoint_fit.CheckpointError: It cannot be read, or
            (``strict``) it does not fit.
    """
    ckpt = None
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint {checkpoint} not found')
        cfg, ckpt = read_checkpoint_for(cfg, checkpoint, strict)
    # Built inside mcg's scope without leaking it to the caller.
    with DefaultScope.overwrite_default_scope('mcg'):
        model = MODELS.build(cfg.model)
    if ckpt is not None:
        load_for_inference(model, ckpt, checkpoint, strict)
    return model.eval(), cfg


def eval_dataset_config(dataset: Union[Dict, Config],
                        split: Optional[str] = None) -> Dict:
    """A copy of a dataset config that reads ``split`` for evaluation.

    The dataset and every frame sampler of its pipeline are put in test
    mode, so the same frames are read on every run.

    Args:
        dataset: A dataset config (e.g. ``cfg.test_dataloader.dataset``).
        split: The split to read instead of the config's (None: keep it).

    Returns:
        The new dataset config.
    """
    out = copy.deepcopy(dataset)
    out['test_mode'] = True
    if split is not None:
        out['split'] = split
    for step in out.get('pipeline', []):
        if 'Sampler' in str(step.get('type', '')):
            step['test_mode'] = True
    return out
