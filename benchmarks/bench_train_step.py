"""Training throughput: shared video encoding vs one clip per question.

Example:
    python benchmarks/bench_train_step.py                     # tiny + base
    python benchmarks/bench_train_step.py --models tiny --reps 1 --no-record

For each model (``tiny``: configs/_base_/models/mcg_tiny.py; ``base``:
configs/_base_/models/mcg_base.py, the paper's ViT-B/16 TimeSformer and
BERT-base-sized text encoder, fusor and generator; both random init, offline
vocabulary, full 30,522-token output vocabulary, stochastic depth off) it
times full training steps (forward, LM loss, backward, AdamW step) on
``--videos`` clips with ``--questions`` questions each, two ways, alternating
per step so that machine load affects both alike:

* shared: the batch holds one clip per video and every question points at
  its clip (``video_index``), so each video is encoded once;
* per-question: every question carries its own copy of the clip, so the
  video encoder runs once per question (what loaders that pair each question
  with a freshly sampled clip do).

Both compute the same loss (checked). Reports questions (samples) per second,
the ratio, and the bytes autograd saves for backward (saved-tensor hooks; CPU
PyTorch has no peak-memory counter), then appends to docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import copy
import os.path as osp
import statistics
from typing import Dict, List, Optional, Sequence

import torch

from mcg.apis.offline_model import build_offline_model, synthetic_batch
from mcg.utils.benchmarking import (append_section, command_line,
                                    machine_line, ratio_vs_goal, saved_bytes,
                                    timed)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DOC = osp.join(REPO, 'docs', 'benchmarks.md')

GOAL = 3.0
MODELS = {'tiny': 'configs/_base_/models/mcg_tiny.py',
          'base': 'configs/_base_/models/mcg_base.py'}


def build_model(name: str, frames: int, img: Optional[int]):
    """The named model config, offline and random, in training mode."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, MODELS[name]))
    # Same work in both modes.
    cfg.model.video_encoder['drop_path_rate'] = 0.0
    return build_offline_model(cfg, frames, img).train()


def train_step(model, optim, batch: Dict) -> Dict[str, float]:
    """One full training step; return time, CPU time, loss, saved bytes."""
    counter = {'bytes': 0}

    def run():
        data = model.data_preprocessor(copy.copy(batch), True)
        with saved_bytes(counter):
            losses = model(**data, mode='loss')
            loss = sum(v for k, v in losses.items() if k.startswith('loss_'))
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
        return loss.item()
    wall, cpu, loss = timed(run)
    return dict(wall=wall, cpu=cpu, loss=loss,
                saved_mb=counter['bytes'] / 2**20)


@torch.no_grad()
def eval_loss(model, batch: Dict) -> float:
    """The summed loss with dropout off (the two modes must agree)."""
    model.eval()
    data = model.data_preprocessor(copy.copy(batch), True)
    losses = model(**data, mode='loss')
    model.train()
    return float(sum(v for k, v in losses.items() if k.startswith('loss_')))


def bench_model(name: str, args) -> Dict[str, float]:
    """Time shared vs per-question steps for one model config."""
    model = build_model(name, args.frames,
                        args.img if name == 'base' else None)
    # Same starting weights and optimizer state for both modes: the first
    # step of each is compared for the loss check, then they alternate.
    state = copy.deepcopy(model.state_dict())
    optim = torch.optim.AdamW(model.parameters(), lr=1e-5)
    batches = {mode: synthetic_batch(model, args.videos, args.questions,
                                mode == 'shared')
               for mode in ('shared', 'per-question')}
    first = {}
    for mode in ('shared', 'per-question'):  # warm-up + loss check
        model.load_state_dict(state)
        first[mode] = eval_loss(model, batches[mode])
        train_step(model, optim, batches[mode])
    res: Dict[str, List[Dict[str, float]]] = {'shared': [],
                                              'per-question': []}
    for _ in range(args.reps):
        for mode in ('shared', 'per-question'):
            res[mode].append(train_step(model, optim, batches[mode]))
    n = args.videos * args.questions
    out = dict(model=name, frames=model.video_encoder.num_frames,
               img=model.video_encoder.patch_embed.img_size[0],
               params_m=sum(p.numel() for p in model.parameters()) / 1e6,
               same_loss=abs(first['shared'] - first['per-question'])
               <= 1e-4 * max(1.0, abs(first['shared'])))
    for mode, steps in res.items():
        wall = statistics.median(s['wall'] for s in steps)
        out[f'{mode}_sps'] = n / wall
        out[f'{mode}_cpu_sps'] = n / statistics.median(s['cpu']
                                                       for s in steps)
        out[f'{mode}_saved_mb'] = max(s['saved_mb'] for s in steps)
    out['ratio'] = out['shared_sps'] / out['per-question_sps']
    out['cpu_ratio'] = out['shared_cpu_sps'] / out['per-question_cpu_sps']
    out['mem_ratio'] = out['per-question_saved_mb'] / out['shared_saved_mb']
    return out


def main(argv: Optional[Sequence[str]] = None) -> List[Dict[str, float]]:
    """Run the benchmark; return one row per model.

    Args:
        argv: Command-line arguments (None: ``sys.argv``).

    Returns:
        Rows with samples/s, saved-activation MiB and ratios per mode.
    """
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--models', default='tiny,base')
    p.add_argument('--videos', type=int, default=1)
    p.add_argument('--questions', type=int, default=10,
                   help='questions per video (ActivityNet-QA has 10)')
    p.add_argument('--frames', type=int, default=8)
    p.add_argument('--img', type=int, default=112,
                   help='frame size of the base model (paper: 384 '
                   'fine-tuning, 224 pre-training; smaller keeps a CPU '
                   'run short, and only lowers the video share of a step)')
    p.add_argument('--reps', type=int, default=2, help='timed steps per mode')
    p.add_argument('--no-record', action='store_true',
                   help='do not append to docs/benchmarks.md')
    args = p.parse_args(argv)
    rows = [bench_model(m, args) for m in args.models.split(',')]
    table = ['| model | clip | params | shared samples/s (wall / CPU) | '
             'per-question samples/s (wall / CPU) | speed-up wall / CPU | '
             'saved activations shared / per-question | same loss |',
             '|---|---|---:|---:|---:|---:|---:|---|']
    for r in rows:
        table.append(
            f'| {r["model"]} | {r["frames"]}x{r["img"]} | '
            f'{r["params_m"]:.0f}M | {r["shared_sps"]:.2f} / '
            f'{r["shared_cpu_sps"]:.2f} | {r["per-question_sps"]:.2f} / '
            f'{r["per-question_cpu_sps"]:.2f} | **{r["ratio"]:.2f}x** / '
            f'{r["cpu_ratio"]:.2f}x | {r["shared_saved_mb"]:.0f} / '
            f'{r["per-question_saved_mb"]:.0f} MiB '
            f'({r["mem_ratio"]:.1f}x) | '
            f'{"yes" if r["same_loss"] else "NO"} |')
    machine = machine_line()
    # The goal is stated for the base video encoder.
    verdict = '; '.join(f'{r["model"]}: {ratio_vs_goal(r["ratio"], GOAL)}'
                        for r in rows if r['model'] == 'base') or 'no base run'
    print('\n'.join(table) + f'\n{machine}\n{verdict}')
    if not args.no_record:
        doc = append_section('Training step: shared video encoding vs one '
                             'clip per question', [
            f'`{command_line("bench_train_step.py", argv)}`', '',
            f'{args.videos} video(s) x {args.questions} questions per step; '
            'full step (forward, LM loss, backward, AdamW); random init, '
            'full output vocabulary; 1 warm-up step per mode, then '
            f'{args.reps} timed steps per mode alternating, median. '
            f'Machine: {machine}. Goal: shared >= {GOAL:g}x samples/s on '
            f'the base model; {verdict}.', ''] + table, DOC)
        print(f'appended to {doc}')
    return rows


if __name__ == '__main__':
    main()
