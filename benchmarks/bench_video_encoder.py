"""Forward+backward speed of mcg's TimeSformer against HF TimesformerModel.

Both models carry the same weights (a random HF model converted with
:func:`mcg.encoders.convert.hf_timesformer_to_mcg`) and see the same input;
the script first checks that their outputs agree, then times training steps
(forward, a scalar loss, backward) alternating the two models so that machine
load affects both alike, in fp32 and under bf16 autocast.

Memory: on CUDA the peak allocated memory of a step; on any device the bytes
that autograd saves for backward (activations), counted through saved-tensor
hooks, since CPU PyTorch has no peak-memory counter.

Usage::

    python benchmarks/bench_video_encoder.py                # ViT-B, 8x224, B=1
    python benchmarks/bench_video_encoder.py --depth 2 --reps 3   # quick look
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from contextlib import contextmanager, nullcontext
from typing import Dict, List

import torch

from mcg.encoders import TimeSformerEncoder
from mcg.encoders.convert import hf_timesformer_to_mcg, hf_to_mcg_tokens


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--batch', type=int, default=1)
    p.add_argument('--frames', type=int, default=8)
    p.add_argument('--img', type=int, default=224)
    p.add_argument('--dims', type=int, default=768)
    p.add_argument('--depth', type=int, default=12)
    p.add_argument('--heads', type=int, default=12)
    p.add_argument('--reps', type=int, default=3, help='timed steps per model')
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--dtypes', default='fp32,bf16')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available()
                   else 'cpu')
    p.add_argument('--threads', type=int, default=0,
                   help='torch CPU threads (0: leave the default)')
    return p.parse_args()


def machine(device: str) -> str:
    """One line describing where the numbers come from."""
    if device.startswith('cuda'):
        hw = torch.cuda.get_device_name(device)
    else:
        hw = platform.processor() or platform.machine()
        try:
            with open('/proc/cpuinfo') as f:
                hw = next(line.split(':', 1)[1].strip() for line in f
                          if line.startswith('model name'))
        except (OSError, StopIteration):
            pass
        hw += f', {torch.get_num_threads()} threads'
    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else float('nan')
    return (f'{hw}; torch {torch.__version__}; load average {load:.2f}')


def build(args) -> tuple:
    import transformers
    torch.manual_seed(0)
    cfg = transformers.TimesformerConfig(
        image_size=args.img, num_frames=args.frames, hidden_size=args.dims,
        num_hidden_layers=args.depth, num_attention_heads=args.heads,
        intermediate_size=4 * args.dims)
    hf = transformers.TimesformerModel(cfg)
    mcg = TimeSformerEncoder(img_size=args.img, num_frames=args.frames,
                             embed_dims=args.dims, depth=args.depth,
                             num_heads=args.heads, drop_path_rate=0.0)
    mcg.load_state_dict(hf_timesformer_to_mcg(hf.state_dict()).state_dict,
                        strict=True)
    return hf.to(args.device).train(), mcg.to(args.device).train()


def run(model, video, hf: bool):
    out = model(pixel_values=video).last_hidden_state if hf else model(video)
    return out


@contextmanager
def saved_bytes(counter: Dict[str, int]):
    """Count the bytes autograd saves for backward (distinct storages)."""
    seen = set()

    def pack(t):
        try:
            key = (t.untyped_storage().data_ptr(), t.device)
        except RuntimeError:
            return t
        if key not in seen:
            seen.add(key)
            counter['bytes'] += t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        yield


def step(model, video, hf: bool, dtype: str, device: str) -> Dict[str, float]:
    sync = (torch.cuda.synchronize if device.startswith('cuda')
            else lambda: None)
    model.zero_grad(set_to_none=True)
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats(device)
    counter = {'bytes': 0}
    amp = (torch.autocast(device.split(':')[0], dtype=torch.bfloat16)
           if dtype == 'bf16' else nullcontext())
    sync()
    t0 = time.perf_counter()
    with amp, saved_bytes(counter):
        out = run(model, video, hf)
        loss = out.float().square().mean()
    loss.backward()
    sync()
    elapsed = time.perf_counter() - t0
    peak = (torch.cuda.max_memory_allocated(device) / 2**20
            if device.startswith('cuda') else float('nan'))
    return dict(time=elapsed, saved_mb=counter['bytes'] / 2**20,
                peak_mb=peak)


def check_outputs(hf, mcg, video, frames: int, dtype: str, device: str
                  ) -> float:
    amp = (torch.autocast(device.split(':')[0], dtype=torch.bfloat16)
           if dtype == 'bf16' else nullcontext())
    hf.eval(), mcg.eval()
    with torch.no_grad(), amp:
        a = hf_to_mcg_tokens(run(hf, video, True).float(), frames)
        b = run(mcg, video, False).float()
    hf.train(), mcg.train()
    return (a - b).abs().max().item()


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f'machine: {machine(args.device)}')
    print(f'config: B={args.batch} T={args.frames} {args.img}px '
          f'D={args.dims} depth={args.depth} heads={args.heads} '
          f'(1+{args.frames * (args.img // 16) ** 2} tokens); '
          f'{args.warmup} warm-up + {args.reps} timed steps per model')
    hf, mcg = build(args)
    video = torch.randn(args.batch, args.frames, 3, args.img, args.img,
                        device=args.device)
    for dtype in args.dtypes.split(','):
        diff = check_outputs(hf, mcg, video, args.frames, dtype, args.device)
        for _ in range(args.warmup):
            step(hf, video, True, dtype, args.device)
            step(mcg, video, False, dtype, args.device)
        res: Dict[str, List[Dict[str, float]]] = {'hf': [], 'mcg': []}
        for _ in range(args.reps):
            res['hf'].append(step(hf, video, True, dtype, args.device))
            res['mcg'].append(step(mcg, video, False, dtype, args.device))
        med = {k: statistics.median(r['time'] for r in v)
               for k, v in res.items()}
        ratios = [h['time'] / m['time'] for h, m in zip(res['hf'],
                                                        res['mcg'])]
        print(f'\n[{dtype}] max |out_hf - out_mcg| = {diff:.2e}')
        for k in ('hf', 'mcg'):
            r = res[k][-1]
            times = ', '.join(f"{x['time']:.3f}" for x in res[k])
            print(f'  {k:4s} fwd+bwd s: median {med[k]:.3f} ({times}); '
                  f'saved activations {r["saved_mb"]:.0f} MiB; '
                  f'peak CUDA {r["peak_mb"]:.0f} MiB')
        print(f'  speed ratio hf/mcg: median-of-times {med["hf"] / med["mcg"]:.2f}x'
              f', per-pair {", ".join(f"{x:.2f}" for x in ratios)}')
    print(f'\nmachine at end: {machine(args.device)}')


if __name__ == '__main__':
    main()
