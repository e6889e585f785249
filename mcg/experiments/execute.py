"""Train and evaluate one :class:`~mcg.experiments.runs.Run` in this process."""
from __future__ import annotations

import copy
import glob
import json
import os.path as osp
from typing import Dict, List, Optional

from mmengine.config import Config

from mcg import register_all_modules
from mcg.engine import check_datasets
from mcg.engine.launch import build_runner
from mcg.engine.model_utils import unwrap_model
from mcg.registry import DATASETS
from mcg.utils import load_config
from .retrieval import caption_retrieval
from .runs import REPO_ROOT, Run, run_dir


def build_config(run: Run, work_dir: str, data_root: str, out_dir: str) -> Config:
    """The run's config: shipped file + data root + overrides + seed.

    Args:
        run: The run.
        work_dir: Its folder.
        data_root: ShapesQA folder (QA data and pre-training corpus).
        out_dir: The experiment folder (to find ``init_from`` checkpoints).

    Returns:
        The config, ready for :func:`mcg.engine.launch.build_runner`.
    """
    options = {'data_root': data_root, **run.options}
    cfg = load_config(osp.join(REPO_ROOT, run.config), options)
    cfg.work_dir = work_dir
    cfg.launcher = 'none'
    cfg.randomness = dict(seed=run.seed, deterministic=False)
    # docs/reproduction.md was measured in fp32; stored runs are shared
    # between experiments, so one precision for all of them.
    cfg.cpu_precision = 'fp32'
    if run.init_from is not None:
        cfg.load_from = last_checkpoint(run_dir(out_dir, run.init_from))
        cfg.resume = False
        hooks = list(cfg.get('custom_hooks') or [])
        if not any(h.get('type') == 'PretrainedLoadReportHook' for h in hooks):
            hooks.append(dict(type='PretrainedLoadReportHook'))
        cfg.custom_hooks = hooks
        imports = dict(cfg.get('custom_imports') or dict(imports=[]))
        imports['imports'] = list(imports.get('imports', [])) + ['mcg.engine.load_report']
        imports['allow_failed_imports'] = False
        cfg.custom_imports = imports
    return cfg


def last_checkpoint(work_dir: str) -> str:
    """The highest-epoch checkpoint of a finished run."""
    ckpts = glob.glob(osp.join(work_dir, 'epoch_*.pth'))
    if not ckpts:
        raise FileNotFoundError(f'no epoch_*.pth in {work_dir}')
    return max(ckpts, key=lambda p: int(osp.basename(p)[6:-4]))


def execute_run(run: Run, work_dir: str, data_root: str, out_dir: str) -> Dict:
    """Train the run, then evaluate it.

    Pre-training runs report caption retrieval (and VTM accuracy) on the
    held-out clips of ``cfg.retrieval_dataset``; fine-tuning runs report the
    val and test splits (and, with ``eval_train``, that many training
    videos), each as the metric's dict, plus per-epoch validation curves.

    Returns:
        The metrics.
    """
    register_all_modules(init_default_scope=False)
    cfg = build_config(run, work_dir, data_root, out_dir)
    check_datasets(cfg)
    runner = build_runner(copy.deepcopy(cfg))
    runner.train()
    metrics: Dict = {'train_log': _last_train_log(work_dir)}
    model = unwrap_model(runner.model)
    if run.kind == 'pretrain':
        dataset = DATASETS.build(copy.deepcopy(cfg.retrieval_dataset))
        metrics['retrieval'] = caption_retrieval(model, dataset, seed=run.seed)
        return metrics
    metrics['val'] = _strip(runner.val())
    metrics['test'] = _strip(runner.test())
    metrics['val_curve'] = _val_curve(work_dir)
    if run.eval_train:
        tcfg = copy.deepcopy(cfg)
        tcfg.test_dataloader.dataset.split = 'train'
        tcfg.test_dataloader.dataset.indices = run.eval_train
        tcfg.train_dataloader = tcfg.train_cfg = tcfg.optim_wrapper = None
        tcfg.param_scheduler = None
        tcfg.custom_hooks = [h for h in tcfg.get('custom_hooks') or []
                             if h.get('type') != 'PretrainedLoadReportHook']
        tcfg.load_from, tcfg.resume = last_checkpoint(work_dir), False
        tcfg.work_dir = osp.join(work_dir, 'eval_train')
        metrics['train'] = _strip(build_runner(tcfg, training=False).test())
    return metrics


def _strip(metrics: Optional[Dict]) -> Dict:
    """``anetqa/All`` -> ``All`` (only the metric's prefix: ``Yes/No`` stays)."""
    return {k.split('/', 1)[-1]: float(v) for k, v in (metrics or {}).items()
            if isinstance(v, (int, float))}


def _scalars(work_dir: str) -> List[Dict]:
    paths = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    rows = []
    for path in paths:
        with open(path, encoding='utf-8') as f:
            rows.extend(json.loads(line) for line in f if line.strip())
    return rows


def _last_train_log(work_dir: str) -> Dict:
    rows = [r for r in _scalars(work_dir) if any(k.startswith('loss') for k in r)]
    return {k: v for k, v in rows[-1].items()
            if k.startswith(('loss', 'acc_'))} if rows else {}


def _val_curve(work_dir: str) -> List[Dict]:
    """Validation All per epoch, with the mean training loss of that epoch."""
    curve, losses = [], []
    for row in _scalars(work_dir):
        if 'loss' in row:
            losses.append(row['loss'])
        alls = [v for k, v in row.items() if k.split('/')[-1] == 'All']
        if alls:
            curve.append({'step': row.get('step'), 'All': alls[0],
                          'train_loss': sum(losses) / len(losses) if losses else None})
            losses = []
    return curve
