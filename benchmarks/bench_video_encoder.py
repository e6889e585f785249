"""Forward+backward speed of mcg's TimeSformer against HF TimesformerModel.

Both models carry the same weights (a random HF model converted with
:func:`mcg.weights.video_encoder.hf_timesformer_to_mcg`) and see the same input;
the script first checks that their outputs agree, then times training steps
(forward, a scalar loss, backward) alternating the two models so that machine
load affects both alike, in fp32 and under bf16 autocast. mcg runs as
:class:`mcg.models.MCGVideoQA` runs it: default attention policy (``auto``,
:func:`mcg.layers.attention.choose_impl`) and linear layers routed through
:func:`mcg.layers.linear.route_linears` (``auto``: oneDNN for fp32 on CPU);
then with each alternative attention implementation (``--impls``) and with
PyTorch's own linear dispatch (``linear:aten``, the backend HF uses). The
summary gives the HF/mcg speed ratio of each, per dtype, and the output
difference to HF.

Memory: on CUDA the peak allocated memory of a step; on any device the bytes
that autograd saves for backward (activations), counted through saved-tensor
hooks, since CPU PyTorch has no peak-memory counter.

Usage::

    python benchmarks/bench_video_encoder.py                # ViT-B, 8x224, B=1
    python benchmarks/bench_video_encoder.py --depth 2 --reps 3   # quick look
    python benchmarks/bench_video_encoder.py --profile --depth 2  # where time goes
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from contextlib import nullcontext
from typing import Dict, List

import torch

from mcg.encoders import TimeSformerEncoder
from mcg.weights.video_encoder import hf_timesformer_to_mcg, hf_to_mcg_tokens
from mcg.layers.attention import IMPLS, choose_impl
from mcg.layers.linear import choose_linear_impl, route_linears
from mcg.utils.benchmarking import cpu_name, saved_bytes


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
    p.add_argument('--impls', default=None,
                   help="mcg attention implementations to time besides "
                   "'auto', and 'linear:aten' for PyTorch's own linear "
                   "dispatch (default: all that run on the device, and "
                   "'linear:aten' where auto routes linears elsewhere)")
    p.add_argument('--device', default='cuda' if torch.cuda.is_available()
                   else 'cpu')
    p.add_argument('--profile', action='store_true',
                   help='profile one fwd+bwd step per model and dtype '
                   '(mcg with its default policy) and print where the time '
                   'goes, by op category')
    p.add_argument('--checkpointing', action='store_true',
                   help='also time mcg with gradient checkpointing')
    p.add_argument('--threads', type=int, default=0,
                   help='torch CPU threads (0: leave the default)')
    return p.parse_args()


def machine(device: str) -> str:
    """One line describing where the numbers come from."""
    if device.startswith('cuda'):
        hw = torch.cuda.get_device_name(device)
    else:
        hw = f'{cpu_name()}, {torch.get_num_threads()} threads'
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
    route_linears(mcg, 'auto')          # as MCGVideoQA does
    return hf.to(args.device).train(), mcg.to(args.device).train()


def run(model, video, hf: bool):
    out = model(pixel_values=video).last_hidden_state if hf else model(video)
    return out


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
    t0, c0 = time.perf_counter(), time.process_time()
    with amp, saved_bytes(counter):
        out = run(model, video, hf)
        loss = out.float().square().mean()
    loss.backward()
    sync()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = (torch.cuda.max_memory_allocated(device) / 2**20
            if device.startswith('cuda') else float('nan'))
    return dict(time=elapsed, cpu=cpu, saved_mb=counter['bytes'] / 2**20,
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


#: Op-name fragments -> category, first match wins.
CATEGORIES = (
    ('matmul (linear layers)', ('aten::mm', 'aten::addmm',
                                '_linear_pointwise')),
    ('attention (bmm, softmax, SDPA)', ('aten::bmm', 'softmax',
                                        'scaled_dot_product')),
    ('copies (copy_, cat, fill_, gradient add_)', ('aten::copy_',
                                                   'aten::cat',
                                                   'aten::fill_',
                                                   'aten::add_')),
    ('convolution (patch embedding)', ('convolution',)),
)


#: The alternative that keeps mcg's attention policy but gives the linear
#: layers PyTorch's own dispatch (MKL for fp32 on CPU, as in HF).
LINEAR_ATEN = 'linear:aten'


def set_impl(mcg, impl: str) -> None:
    """Switch every attention of the mcg encoder to ``impl`` (linear layers
    to the ``auto`` policy), or to ``LINEAR_ATEN``."""
    for block in mcg.blocks:
        block.attn_impl = 'auto' if impl == LINEAR_ATEN else impl
    route_linears(mcg, 'aten' if impl == LINEAR_ATEN else 'auto')


def profile(hf, mcg, video, dtype: str) -> None:
    """Self time per op category for one fwd+bwd step of each model."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile
    print(f'\n[profile, {dtype}, one step] self time in seconds (share)')
    for name, model, is_hf in (('hf', hf, True), ('mcg', mcg, False)):
        step(model, video, is_hf, dtype, 'cpu')             # warm-up
        with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
            step(model, video, is_hf, dtype, 'cpu')
        totals: Dict[str, float] = {}
        top: Dict[str, float] = {}
        for evt in prof.key_averages():
            if evt.key.startswith(('autograd::', 'torch::autograd')):
                continue
            cat = next((c for c, keys in CATEGORIES
                        if any(k in evt.key for k in keys)), 'other')
            totals[cat] = totals.get(cat, 0.0) + evt.self_cpu_time_total
            if cat.startswith('attention'):
                top[evt.key] = evt.self_cpu_time_total
        total = sum(totals.values())
        print(f'  {name}: total {total / 1e6:.2f} s')
        for cat, t in sorted(totals.items(), key=lambda kv: -kv[1]):
            print(f'    {cat:42s} {t / 1e6:6.2f}  ({100 * t / total:4.1f} %)')
        for key, t in sorted(top.items(), key=lambda kv: -kv[1])[:4]:
            print(f'      {key:55s} {t / 1e6:6.3f}')


def alternatives(args, dtype: str) -> List[str]:
    """'auto' plus each implementation that is not what 'auto' picks
    for every attention of this config (that one would be timed twice)."""
    amp_dtype = torch.bfloat16 if dtype == 'bf16' else torch.float32
    dev = args.device.split(':')[0]
    picks = {choose_impl(dev, amp_dtype, n)
             for n in (args.frames, (args.img // 16) ** 2 + 1)}
    impls = (args.impls.split(',') if args.impls else
             [i for i in IMPLS if dev == 'cuda' or i != 'efficient'])
    alts = ['auto'] + [i for i in impls if {i} != picks]
    if choose_linear_impl(dev, amp_dtype) != 'aten' and not args.impls:
        alts.append(LINEAR_ATEN)
    return alts


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
    if args.profile:
        for dtype in args.dtypes.split(','):
            set_impl(mcg, 'auto')
            profile(hf, mcg, video, dtype)
        return
    summary = []
    for dtype in args.dtypes.split(','):
        impls = alternatives(args, dtype)
        diffs = {}
        for impl in impls:
            set_impl(mcg, impl)
            diffs[impl] = check_outputs(hf, mcg, video, args.frames, dtype,
                                        args.device)
        for _ in range(args.warmup):
            step(hf, video, True, dtype, args.device)
            for impl in impls:
                set_impl(mcg, impl)
                step(mcg, video, False, dtype, args.device)
        names = ['hf'] + [f'mcg:{i}' for i in impls] + (
            ['mcg:auto+ckpt'] if args.checkpointing else [])
        res: Dict[str, List[Dict[str, float]]] = {k: [] for k in names}
        for _ in range(args.reps):
            res['hf'].append(step(hf, video, True, dtype, args.device))
            for impl in impls:
                set_impl(mcg, impl)
                res[f'mcg:{impl}'].append(step(mcg, video, False, dtype,
                                               args.device))
            if args.checkpointing:
                set_impl(mcg, 'auto')
                mcg.gradient_checkpointing = True
                res['mcg:auto+ckpt'].append(step(mcg, video, False, dtype,
                                                 args.device))
                mcg.gradient_checkpointing = False
        set_impl(mcg, 'auto')
        print(f'\n[{dtype}] max |out_hf - out_mcg| = {diffs["auto"]:.2e}'
              ' (default policy)')
        med = {}
        for k in names:
            med[k] = {m: statistics.median(r[m] for r in res[k])
                      for m in ('time', 'cpu')}
            r = res[k][-1]
            times = ', '.join(f"{x['time']:.2f}" for x in res[k])
            print(f'  {k:14s} fwd+bwd: wall median {med[k]["time"]:.3f} s '
                  f'({times}); CPU {med[k]["cpu"]:.3f} s; saved activations '
                  f'{r["saved_mb"]:.0f} MiB; peak CUDA {r["peak_mb"]:.0f} MiB')
        for impl in impls:
            key = f'mcg:{impl}'
            pairs = [h['time'] / m['time'] for h, m in zip(res['hf'],
                                                            res[key])]
            wall = med['hf']['time'] / med[key]['time']
            cpu = med['hf']['cpu'] / med[key]['cpu']
            label = 'speed ratio hf/mcg' if impl == 'auto' else (
                f'  ratio with {impl}')
            print(f'  {label}: wall {wall:.2f}x (per pair '
                  f'{", ".join(f"{x:.2f}" for x in pairs)}), CPU time '
                  f'{cpu:.2f}x')
            summary.append((dtype, impl, wall, cpu, min(pairs), max(pairs),
                            diffs[impl]))
    print('\n| dtype | mcg attention | HF/mcg wall | HF/mcg CPU time | '
          'per-pair range | max abs diff to HF |')
    print('|---|---|---:|---:|---|---:|')
    for dtype, impl, wall, cpu, lo, hi, diff in summary:
        bold = '**' if impl == 'auto' else ''
        print(f'| {dtype} | {bold}{impl}{bold} | {bold}{wall:.2f}x{bold} | '
              f'{cpu:.2f}x | {lo:.2f}-{hi:.2f} | {diff:.1e} |')
    print(f'\nmachine at end: {machine(args.device)}')


if __name__ == '__main__':
    main()
