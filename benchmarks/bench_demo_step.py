"""Training-step time of a config in fp32 and bf16 autocast, side by side.

Builds the config's runner pieces twice (model with the same seed, optimizer
wrapper: the config's, and the ``AutocastOptimWrapper`` that
``tools/train.py --amp`` selects), takes ``--warmup + --steps`` batches from
the config's training loader once, then runs ``model.train_step`` on them
alternating the modes step by step, so machine load affects both alike.
Reports the median wall and CPU time per step of each mode, their spread,
and the ratio. Loading is not timed (the demo decodes from a clip cache
after its first epoch).

Usage::

    python benchmarks/bench_demo_step.py                       # the demo
    python benchmarks/bench_demo_step.py --modes fp32 --steps 100
"""
from __future__ import annotations

import argparse
import copy
import os.path as osp
import statistics
import tempfile
from typing import Dict, List, Optional, Sequence

import torch

from mcg.utils.benchmarking import machine_line, timed

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

DEMO = 'configs/shapesqa/mcg_tiny_shapesqa.py'


def parse_args(argv=None) -> argparse.Namespace:
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', default=DEMO)
    p.add_argument('--modes', default='fp32,bf16')
    p.add_argument('--steps', type=int, default=100)
    p.add_argument('--warmup', type=int, default=5)
    p.add_argument('--threads', type=int, default=0,
                   help='torch CPU threads (0: leave the default)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='key=value config overrides')
    return p.parse_args(argv)


def build(cfg, mode: str, work_dir: str):
    """Model and optimizer wrapper of one mode, seeded alike."""
    from mmengine.runner import Runner
    cfg = copy.deepcopy(cfg)
    if mode == 'bf16':
        cfg.optim_wrapper.type = 'AutocastOptimWrapper'
        cfg.optim_wrapper.dtype = 'bfloat16'
    cfg.work_dir = work_dir
    cfg.experiment_name = f'bench_demo_step_{mode}'
    cfg.randomness = dict(seed=0)
    runner = Runner.from_cfg(cfg)
    wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
    return runner, wrapper


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Dict]:
    args = parse_args(argv)
    from mcg.apis.configs import load_run_config

    # load_run_config: an override of a config variable (data_root, ...)
    # re-evaluates the file, as in tools/train.py.
    cfg = load_run_config(osp.join(REPO, args.config)
                          if not osp.isabs(args.config) else args.config,
                          args.cfg_options)
    if args.threads:
        torch.set_num_threads(args.threads)
    modes = args.modes.split(',')
    with tempfile.TemporaryDirectory() as tmp:
        built = {m: build(cfg, m, osp.join(tmp, m)) for m in modes}
        if args.threads:          # the runner sets its own env; re-apply
            torch.set_num_threads(args.threads)
        loader = built[modes[0]][0].build_dataloader(cfg.train_dataloader,
                                                     seed=0)
        batches: List = []
        for batch in loader:
            batches.append(batch)
            if len(batches) == args.warmup + args.steps:
                break
        times: Dict[str, List] = {m: [] for m in modes}
        losses: Dict[str, List[float]] = {m: [] for m in modes}
        for i, batch in enumerate(batches):
            for m in modes:
                runner, wrapper = built[m]
                model = runner.model.train()
                wall, cpu, log = timed(
                    lambda: model.train_step(copy.copy(batch), wrapper))
                losses[m].append(float(log['loss'].detach()))
                if i >= args.warmup:
                    times[m].append((wall, cpu))
    print(f'machine: {machine_line()}')
    print(f'config: {args.config}; {args.steps} timed steps per mode after '
          f'{args.warmup} warm-up, alternating {"/".join(modes)}')
    print('| mode | wall s/step median | wall p10-p90 | CPU s/step median '
          '| CPU p10-p90 | mean loss, last 20 steps |')
    print('|---|---:|---|---:|---|---:|')
    out = {}
    for m in modes:
        wall = sorted(t[0] for t in times[m])
        cpu = sorted(t[1] for t in times[m])
        pct = (lambda xs, q: xs[min(len(xs) - 1, int(q * len(xs)))])
        out[m] = dict(wall=statistics.median(wall),
                      cpu=statistics.median(cpu),
                      loss=statistics.mean(losses[m][-20:]))
        print(f"| {m} | {out[m]['wall']:.4f} | {pct(wall, .1):.4f}-"
              f"{pct(wall, .9):.4f} | {out[m]['cpu']:.4f} | "
              f"{pct(cpu, .1):.4f}-{pct(cpu, .9):.4f} | "
              f"{out[m]['loss']:.4f} |")
    if len(modes) == 2:
        a, b = modes
        print(f"{a}/{b} time per step: wall "
              f"{out[a]['wall'] / out[b]['wall']:.2f}x, CPU "
              f"{out[a]['cpu'] / out[b]['cpu']:.2f}x")
    print(f'machine at end: {machine_line()}')
    return out


if __name__ == '__main__':
    main()
