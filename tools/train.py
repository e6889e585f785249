"""Train an mcg model from a config.

Example:
    python tools/train.py configs/shapesqa/mcg_tiny_shapesqa.py
    python tools/train.py CONFIG --resume            # latest in work_dir
    python tools/train.py CONFIG --cfg-options model.losses.lm.weight=0.5
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import Config, DictAction  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train an mcg model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from a checkpoint; without a value, from the latest '
        'checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (bf16 autocast; CPU and GPU)')
    parser.add_argument('--amp-dtype', default='bfloat16',
                        choices=['bfloat16', 'float16'],
                        help='float16 uses a dynamic loss scaler (GPU only)')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip validation during training')
    parser.add_argument('--seed', type=int, help='random seed')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic algorithms')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. model.losses.lm.'
                        'weight=0.5')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg: Config, args) -> Config:
    """Apply command-line options to the config."""
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        if args.amp_dtype == 'float16':
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.dtype = 'float16'
            cfg.optim_wrapper.loss_scale = 'dynamic'
        else:
            cfg.optim_wrapper.type = 'AutocastOptimWrapper'
            cfg.optim_wrapper.dtype = 'bfloat16'
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
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
    from mcg import register_all_modules
    from mcg.engine import USER_ERRORS, check_datasets, trust_directory
    from mcg.engine.launch import build_runner

    register_all_modules(init_default_scope=False)
    cfg = merge_args(Config.fromfile(args.config), args)
    trust_directory(cfg.work_dir)
    try:
        check_datasets(cfg)
        runner = build_runner(cfg)
        runner.train()
    except USER_ERRORS as exc:
        print(f'\nmcg: cannot train {args.config}:\n  {exc}\n',
              file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
