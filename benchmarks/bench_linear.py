"""Forward+backward time of each linear backend at mcg's layer shapes.

Times :func:`mcg.layers.linear.linear` with PyTorch's own dispatch
(``'aten'``: MKL for fp32 on CPU in the official wheels) and oneDNN
(``'onednn'``) in fp32, and ``'aten'`` under bf16 autocast for reference
(PyTorch already runs bf16 through oneDNN on CPU), on the linear layers of a
ViT-B TimeSformer at 224 px (1,568 patch tokens + CLS copies: qkv, proj, the
MLP's two layers) and of the ShapesQA demo model (128 wide). Backends
alternate within each repetition so machine load affects all alike; the
median CPU time of this process is reported (one thread: its compute time),
with the GFLOP/s it implies and the output difference to a float64
reference. These numbers justify :func:`mcg.layers.linear.choose_linear_impl`
(docs/benchmarks.md).

Usage::

    python benchmarks/bench_linear.py
    python benchmarks/bench_linear.py --cases vitb_mlp_fc1 --reps 3
"""
from __future__ import annotations

import argparse
import statistics
import time
from contextlib import nullcontext
from typing import Dict, Tuple

import torch

from mcg.layers.linear import choose_linear_impl, linear, onednn_available
from mcg.utils.benchmarking import machine_line

#: name -> (rows, in features, out features)
CASES: Dict[str, Tuple[int, int, int]] = {
    'vitb_qkv': (1576, 768, 2304),
    'vitb_proj': (1576, 768, 768),
    'vitb_mlp_fc1': (1576, 768, 3072),
    'vitb_mlp_fc2': (1576, 3072, 768),
    'demo_qkv': (1088, 128, 384),
    'demo_mlp_fc1': (1088, 128, 512),
    'demo_mlp_fc2': (1088, 512, 128),
}
#: column -> (backend, dtype)
MODES = {'aten fp32': ('aten', 'fp32'), 'onednn fp32': ('onednn', 'fp32'),
         'aten bf16': ('aten', 'bf16')}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--cases', default=','.join(CASES))
    p.add_argument('--reps', type=int, default=5)
    p.add_argument('--threads', type=int, default=1)
    return p.parse_args(argv)


def one_step(impl: str, dtype: str, x, w, b, grad) -> float:
    for t in (x, w, b):
        t.grad = None
    amp = (torch.autocast('cpu', dtype=torch.bfloat16) if dtype == 'bf16'
           else nullcontext())
    t0 = time.process_time()
    with amp:
        out = linear(x, w, b, impl=impl)
    out.backward(grad.to(out.dtype))
    return time.process_time() - t0


def run_case(shape, reps: int) -> Dict[str, Dict[str, float]]:
    rows, n_in, n_out = shape
    gen = torch.Generator().manual_seed(0)
    x, w, b = (torch.randn(*s, generator=gen).requires_grad_()
               for s in ((rows, n_in), (n_out, n_in), (n_out,)))
    grad = torch.randn(rows, n_out, generator=gen)
    ref = torch.nn.functional.linear(x.double(), w.double(), b.double())
    flops = 3 * 2 * rows * n_in * n_out          # forward + two backward
    res: Dict[str, Dict[str, float]] = {}
    times = {mode: [] for mode in MODES}
    for mode, (impl, dtype) in MODES.items():     # warm-up and accuracy
        one_step(impl, dtype, x, w, b, grad)
        amp = (torch.autocast('cpu', dtype=torch.bfloat16)
               if dtype == 'bf16' else nullcontext())
        with amp, torch.no_grad():
            out = linear(x, w, b, impl=impl)
        res[mode] = {'diff': (out.double() - ref).abs().max().item()}
    for _ in range(reps):
        for mode, (impl, dtype) in MODES.items():
            times[mode].append(one_step(impl, dtype, x, w, b, grad))
    for mode in MODES:
        sec = statistics.median(times[mode])
        res[mode].update(ms=1e3 * sec, gflops=flops / sec / 1e9)
    return res


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f'machine: {machine_line()}; oneDNN kernel available: '
          f'{onednn_available()}; fp32 auto pick: '
          f'{choose_linear_impl("cpu", torch.float32)}')
    print(f'forward+backward CPU time, median of {args.reps} (ms; GFLOP/s; '
          'max |out - fp64 reference|)')
    print('| case (rows, in, out) | ' + ' | '.join(MODES) +
          ' | aten/onednn fp32 |')
    print('|---|' + '---:|' * (len(MODES) + 1))
    for name in args.cases.split(','):
        res = run_case(CASES[name], args.reps)
        cells = [f"{r['ms']:.1f} ({r['gflops']:.0f}; {r['diff']:.0e})"
                 for r in res.values()]
        ratio = res['aten fp32']['ms'] / res['onednn fp32']['ms']
        print(f'| {name} {CASES[name]} | ' + ' | '.join(cells) +
              f' | {ratio:.2f}x |')
    print(f'machine at end: {machine_line()}')


if __name__ == '__main__':
    main()
