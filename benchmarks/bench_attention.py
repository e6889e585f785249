"""Forward+backward time of each attention implementation at mcg's shapes.

Times :func:`mcg.layers.attention.attend` with every implementation that
runs on the device (SDPA's default, its single backends, explicit matmul),
in fp32 and under bf16 autocast, on the attention shapes of a ViT-B
TimeSformer (temporal: 8 tokens; spatial: 197 tokens at 224 px, 577 at
384 px), of the fusor's cross-attention at the paper setting, and of the
ShapesQA demo model. Implementations alternate within each repetition so
machine load affects all alike; the median CPU time of this process is
reported (with one thread it is the compute time, and it is far steadier
than wall time on a shared machine), with the pick of
:func:`mcg.layers.attention.choose_impl` marked. These numbers justify the
defaults of ``choose_impl`` (docs/benchmarks.md).

Usage::

    python benchmarks/bench_attention.py                 # all cases
    python benchmarks/bench_attention.py --cases demo_spatial --reps 3
"""
from __future__ import annotations

import argparse
import statistics
import time
from contextlib import nullcontext
from typing import Dict, List, Tuple

import torch

from mcg.layers.attention import IMPLS, attend, choose_impl
from mcg.utils.benchmarking import machine_line

#: name -> (batch, heads, query length, key length, head width)
CASES: Dict[str, Tuple[int, int, int, int, int]] = {
    'vitb_temporal_224': (196, 12, 8, 8, 64),
    'vitb_spatial_224': (8, 12, 197, 197, 64),
    'vitb_temporal_384': (576, 12, 8, 8, 64),
    'vitb_spatial_384': (8, 12, 577, 577, 64),
    # 10 questions x 30 tokens of one clip, grouped, onto 1 + 8 x 196 tokens
    'fusor_cross_224': (1, 12, 300, 1569, 64),
    'demo_temporal': (128, 4, 8, 8, 32),
    'demo_spatial': (64, 4, 17, 17, 32),
    'demo_cross': (8, 4, 225, 129, 32),
}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--cases', default=','.join(CASES))
    p.add_argument('--dtypes', default='fp32,bf16')
    p.add_argument('--impls', default=','.join(IMPLS))
    p.add_argument('--reps', type=int, default=5)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--device', default='cpu')
    return p.parse_args(argv)


def supported(impl: str, q, k, v, amp) -> bool:
    """Whether ``impl`` runs on these inputs (e.g. no 'efficient' on CPU)."""
    try:
        with amp:
            attend(q[:1], k[:1], v[:1], impl=impl)
        return True
    except RuntimeError:
        return False


def one_step(impl: str, q, k, v, grad, amp) -> float:
    for t in (q, k, v):
        t.grad = None
    t0 = time.process_time()
    with amp:
        out = attend(q, k, v, impl=impl)
    out.backward(grad.to(out.dtype))
    return time.process_time() - t0


def run_case(shape, dtype: str, impls: List[str], reps: int, device: str
             ) -> Dict[str, Dict[str, float]]:
    b, h, lq, lk, d = shape
    gen = torch.Generator().manual_seed(0)
    base = [torch.randn(b, h, n, d, generator=gen) for n in (lq, lk, lk)]
    bf16 = dtype == 'bf16'
    # Under autocast the projections hand attention bf16 tensors.
    q, k, v = (t.to(device, torch.bfloat16 if bf16 else torch.float32)
               .requires_grad_() for t in base)
    amp = (torch.autocast(device, dtype=torch.bfloat16) if bf16
           else nullcontext())
    grad = torch.randn(b, h, lq, d, generator=gen).to(device)
    impls = [i for i in impls if supported(i, q, k, v, amp)]
    ref = attend(*(t.detach().double() for t in (q, k, v)), impl='math')
    res: Dict[str, Dict[str, float]] = {}
    times: Dict[str, List[float]] = {i: [] for i in impls}
    for impl in impls:                              # warm-up and accuracy
        one_step(impl, q, k, v, grad, amp)
        with amp, torch.no_grad():
            out = attend(q, k, v, impl=impl)
        res[impl] = {'diff': (out.double() - ref).abs().max().item()}
    for _ in range(reps):
        for impl in impls:
            times[impl].append(one_step(impl, q, k, v, grad, amp))
    for impl in impls:
        res[impl]['ms'] = 1e3 * statistics.median(times[impl])
        res[impl]['spread'] = 1e3 * (max(times[impl]) - min(times[impl]))
    return res


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    impls = args.impls.split(',')
    print(f'machine: {machine_line()}')
    print(f'forward+backward CPU time, median of {args.reps} (ms; ± half '
          'the range); * = choose_impl; diff = max |out - fp64 reference|')
    head = ' | '.join(impls)
    print(f'| case (B, H, Lq, Lk, d) | dtype | {head} | auto pick |')
    print('|---|---|' + '---:|' * len(impls) + '---|')
    for name in args.cases.split(','):
        shape = CASES[name]
        for dtype in args.dtypes.split(','):
            res = run_case(shape, dtype, impls, args.reps, args.device)
            pick = choose_impl(args.device, torch.bfloat16 if dtype == 'bf16'
                               else torch.float32, shape[3])
            best = min(r['ms'] for r in res.values())
            cells = []
            for impl in impls:
                if impl not in res:
                    cells.append('n/a')
                    continue
                r = res[impl]
                mark = '*' if impl == pick else ''
                bold = '**' if r['ms'] == best else ''
                cells.append(f"{bold}{r['ms']:.2f}{bold}{mark} "
                             f"(±{r['spread'] / 2:.2f}; {r['diff']:.0e})")
            print(f'| {name} {shape} | {dtype} | ' + ' | '.join(cells) +
                  f' | {pick} |')
    print(f'machine at end: {machine_line()}')


if __name__ == '__main__':
    main()
