"""Evaluate a checkpoint and print the per-type table.

Example:
    python tools/test.py configs/shapesqa/mcg_tiny_shapesqa.py \
        work_dirs/mcg_tiny_shapesqa/epoch_12.pth --dump preds.json
"""
import argparse
import os
import pickle
import sys

from mmengine.config import DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test an mcg model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs go')
    parser.add_argument('--dump', help='write the predictions to this .json '
                        '(question id, question, prediction, answer, type)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, or config variables '
                        'such as data_root (the config is re-evaluated)')
    parser.add_argument('--non-strict', action='store_true',
                        help='test even if the checkpoint does not fit the '
                        'model (the weights that do not fit keep their '
                        'random init); by default such a checkpoint is '
                        'refused with a summary of the keys')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    from mcg.apis.configs import (default_work_dir, load_run_config,
                                  read_checkpoint_for)
    from mcg.apis.run_errors import exit_with_report
    from mcg.engine import check_datasets
    from mcg.engine.launch import build_runner

    try:
        # Re-evaluates the config when an option sets one of its variables.
        cfg = load_run_config(args.config, args.cfg_options)
    except (ValueError, FileNotFoundError) as exc:
        print(f'\nmcg: {exc}\n', file=sys.stderr)
        return 2
    cfg.launcher = args.launcher
    cfg.work_dir = (args.work_dir or cfg.get('work_dir')
                    or default_work_dir(args.config))
    from mcg.engine.checkpoint_fit import CheckpointError
    from mcg.engine.inference_meta import (check_with_plain_build,
                                           load_for_inference)
    from mcg.engine.model_utils import unwrap_model
    strict = not args.non_strict
    try:
        # Weights-only; the answer vocabulary saved in the checkpoint, not
        # the dataset's.
        cfg, ckpt = read_checkpoint_for(cfg, args.checkpoint, strict)
    except CheckpointError as exc:
        print(f'\nmcg: {exc}\n', file=sys.stderr)
        return 2
    # Loaded below, all weights or a refusal; the Runner would load what
    # fits and only warn. A FlexibleRunner (FSDP, DeepSpeed) builds the
    # model inside test(): it loads the file itself, once checked.
    flexible = 'runner_type' in cfg
    cfg.load_from = args.checkpoint if flexible else None
    cfg.resume = False
    if args.dump:
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = list(evaluators) + [
            dict(type='DumpVideoQAPredictions', out_file=args.dump)]
    try:
        check_datasets(cfg, ('test_dataloader', ))
        runner = build_runner(cfg, training=False)
        # Questions done, rate and ETA every few seconds on stderr.
        from mcg.engine.progress_hook import TestProgressHook
        runner.register_hook(TestProgressHook())
        if flexible:
            check_with_plain_build(cfg, ckpt, args.checkpoint, strict)
        else:
            load_for_inference(unwrap_model(runner.model), ckpt,
                               args.checkpoint, strict)
        del ckpt
        runner.test()
    except Exception as exc:
        return exit_with_report(
            exc, cfg, args.config, 'test',
            also_user_errors=(pickle.UnpicklingError, CheckpointError))
    return 0


if __name__ == '__main__':
    sys.exit(main())
