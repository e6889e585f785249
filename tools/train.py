"""Train an mcg model from a config.

Example:
    python tools/train.py configs/shapesqa/mcg_tiny_shapesqa.py
    python tools/train.py CONFIG --resume            # latest in work_dir
    python tools/train.py CONFIG --amp               # bf16 autocast
    python tools/train.py CONFIG --fp32              # no bf16 default
    python tools/train.py CONFIG --cfg-options model.losses.lm.weight=0.5
    tools/dist_train.sh CONFIG 8                     # torchrun, DDP
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train an mcg model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from a checkpoint; without a value (or "auto"), from the '
        'last complete checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (bf16 autocast on CPU and GPU)')
    parser.add_argument('--amp-dtype', default='bfloat16',
                        choices=['bfloat16', 'float16'],
                        help='float16 uses a dynamic loss scaler (GPU only)')
    parser.add_argument('--fp32', action='store_true',
                        help='train in fp32 on any device: switches off '
                        "gpu_precision='bf16' (the paper configs: bf16 "
                        "autocast and TF32 on GPUs) and cpu_precision "
                        "('auto' in the ShapesQA demo: bf16 autocast on "
                        'CPUs with AMX or AVX512_BF16)')
    parser.add_argument('--grad-checkpoint', action='store_true',
                        help='recompute activations in backward for every '
                        'model component that supports it (less memory)')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip validation during training')
    parser.add_argument('--seed', type=int, help='random seed')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic algorithms')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. model.losses.lm.'
                        'weight=0.5, or config variables such as data_root '
                        'and max_epochs (the config is re-evaluated)')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def set_amp(cfg: Config, dtype: str) -> None:
    """Switch the optimizer wrapper to mixed precision."""
    import torch
    if dtype == 'float16':
        if not torch.cuda.is_available():
            raise ValueError('--amp-dtype float16 needs a GPU (its loss '
                             'scaler is CUDA-only); use bfloat16 on CPU')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.dtype = 'float16'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    else:
        cfg.optim_wrapper.type = 'AutocastOptimWrapper'
        cfg.optim_wrapper.dtype = 'bfloat16'


def set_grad_checkpoint(cfg: Config) -> list:
    """Turn on ``gradient_checkpointing`` wherever a component accepts it."""
    import inspect

    from mcg.engine.config_errors import walk_config
    from mcg.registry import MODELS
    switched = []
    for path, node in walk_config(cfg.model, 'model'):
        cls = MODELS.get(node['type']) if isinstance(node.get('type'),
                                                     str) else None
        if cls is not None and 'gradient_checkpointing' in (
                inspect.signature(cls).parameters):
            node['gradient_checkpointing'] = True
            switched.append(path)
    return switched


def set_resume(cfg: Config, resume: str) -> None:
    """Point the runner at the checkpoint to resume from, and trust it."""
    from mcg.engine import find_resume_checkpoint, trust_file
    ckpt = (find_resume_checkpoint(cfg.work_dir) if resume == 'auto' else
            resume)
    if ckpt is None:
        print(f'mcg: no checkpoint in {cfg.work_dir} yet; training from '
              'the start', file=sys.stderr)
        cfg.resume = False
        return
    if not osp.isfile(ckpt):
        raise FileNotFoundError(f'resume checkpoint {ckpt} not found')
    # Full-state (pickle) loading only for the run's own resume file.
    trust_file(ckpt)
    cfg.resume, cfg.load_from = True, ckpt


def merge_args(cfg: Config, args) -> Config:
    """Apply the command-line options other than ``--cfg-options``."""
    from mcg.apis.configs import default_work_dir
    cfg.launcher = args.launcher
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = default_work_dir(args.config)
    if args.amp:
        set_amp(cfg, args.amp_dtype)
    if args.amp and args.fp32:
        raise ValueError('--amp and --fp32 contradict each other')
    if args.fp32:
        cfg.gpu_precision = cfg.cpu_precision = 'fp32'
    if args.grad_checkpoint:
        print('mcg: gradient checkpointing in ' +
              ', '.join(set_grad_checkpoint(cfg)), file=sys.stderr)
    if args.resume:
        set_resume(cfg, args.resume)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.train_cfg.pop('val_interval', None)
        cfg.train_cfg.val_begin = 10**9
    if args.seed is not None or args.deterministic:
        cfg.randomness = dict(cfg.get('randomness', {}))
        if args.seed is not None:
            cfg.randomness['seed'] = args.seed
        cfg.randomness['deterministic'] = args.deterministic
    return cfg


def main(argv=None) -> int:
    args = parse_args(argv)
    from mcg.apis.configs import load_run_config
    from mcg.apis.run_errors import exit_with_report
    from mcg.engine import check_datasets
    from mcg.engine.launch import build_runner

    try:
        # Also re-evaluates the config when an option sets one of its
        # variables (data_root, max_epochs, ...).
        cfg = merge_args(load_run_config(args.config, args.cfg_options), args)
    except (ValueError, FileNotFoundError) as exc:
        print(f'\nmcg: {exc}\n', file=sys.stderr)
        return 2
    try:
        check_datasets(cfg)
        runner = build_runner(cfg)
        runner.train()
    except Exception as exc:
        return exit_with_report(exc, cfg, args.config, 'train')
    return 0


if __name__ == '__main__':
    sys.exit(main())
