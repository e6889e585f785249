"""Speed of answer decoding with and without the key/value cache.

Example:
    python benchmarks/bench_generate.py                  # paper-size generator
    python benchmarks/bench_generate.py --batch 16 --repeats 5
    python benchmarks/bench_generate.py --no-record      # do not touch docs

Builds the answer generator of a config (default: the paper's 6-layer,
768-wide generator of configs/mcg/mcg_anetqa_8f.py, random weights, offline
tokenizer), feeds it random fused memory, and decodes answers of exactly
``--tokens`` tokens (``[SEP]`` is forbidden until then, so both variants do
the same number of steps) with greedy search and beam search, each with and
without the cache. Prints the times side by side, checks that both variants
produce the same tokens, and appends the table to docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import datetime
import os
import os.path as osp
import statistics
import sys
import time

import torch

from mcg.apis.offline_model import offline_model_config
from mcg.utils.benchmarking import cpu_name

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

DOC = osp.join(REPO, 'docs', 'benchmarks.md')


def build_generator(config: str):
    """The config's generator head, bound to its text encoder embeddings."""
    from mmengine.config import Config

    from mcg.registry import MODELS, TOKENIZERS
    model_cfg = offline_model_config(Config.fromfile(config))
    torch.manual_seed(0)
    tokenizer = TOKENIZERS.build(model_cfg.tokenizer)
    text = MODELS.build(model_cfg.text_encoder)
    head = MODELS.build(model_cfg.head)
    head.bind(tokenizer, text)
    # BERT's std-0.02 init gives near-uniform next-token distributions, on
    # which cached and uncached float rounding can pick different tokens
    # among near-ties; a trained generator is confident. Larger embeddings
    # (tied LM head) make the random model confident too.
    with torch.no_grad():
        torch.nn.init.normal_(text.embeddings.word_embeddings.weight,
                              std=0.2)
    head._bench_text = [text.eval()]  # keep the shared embeddings alive
    return head.eval(), model_cfg


def time_call(fn, repeats: int) -> tuple:
    """Median wall and CPU time of ``fn()`` in ms (after a warm-up), and
    its output. On a shared machine CPU time is the steadier figure."""
    out = fn()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        wall.append((time.perf_counter() - start) * 1e3)
        cpu.append((time.process_time() - start_cpu) * 1e3)
    return statistics.median(wall), statistics.median(cpu), out


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/mcg/mcg_anetqa_8f.py')
    parser.add_argument('--batch', type=int, default=32,
                        help='questions decoded together (ActivityNet-QA test '
                        'batches: 4 videos x ~10 questions)')
    parser.add_argument('--memory-len', type=int, default=41,
                        help='fused tokens cross-attended ([FUS] + '
                        'question; 41 = max_question_len 40 + [FUS])')
    parser.add_argument('--tokens', type=int, default=10,
                        help='answer length (tokens, [SEP] included)')
    parser.add_argument('--beams', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available()
                        else 'cpu')
    parser.add_argument('--no-record', action='store_true',
                        help='do not append to docs/benchmarks.md')
    args = parser.parse_args(argv)
    torch.set_grad_enabled(False)
    head, model_cfg = build_generator(osp.join(REPO, args.config)
                                      if not osp.isabs(args.config)
                                      else args.config)
    head.to(args.device)
    head._bench_text[0].to(args.device)
    g = torch.Generator().manual_seed(0)
    memory = torch.randn(args.batch, args.memory_len, head.embed_dims,
                         generator=g).to(args.device)
    mask = torch.ones(args.batch, args.memory_len, dtype=torch.long,
                      device=args.device)

    def decode(beams, cache):
        def run():
            out = head.generate(memory, mask, max_len=args.tokens,
                                min_len=args.tokens, num_beams=beams,
                                use_cache=cache)
            if args.device.startswith('cuda'):
                torch.cuda.synchronize()
            return out
        return run
    rows = []
    for name, beams in (('greedy', 1), (f'beam {args.beams}', args.beams)):
        w_cache, c_cache, ids_cache = time_call(decode(beams, True),
                                                args.repeats)
        w_plain, c_plain, ids_plain = time_call(decode(beams, False),
                                                args.repeats)
        rows.append(dict(decoding=name, cached_ms=w_cache,
                         uncached_ms=w_plain, speedup=w_plain / w_cache,
                         cached_cpu_ms=c_cache, uncached_cpu_ms=c_plain,
                         cpu_speedup=c_plain / c_cache,
                         same_tokens=bool(torch.equal(ids_cache, ids_plain)),
                         tokens=ids_cache.shape[1]))
    head_cfg = model_cfg.head
    device = (torch.cuda.get_device_name() if args.device.startswith('cuda')
              else f'{cpu_name()}, {torch.get_num_threads()} threads, '
              f'load average {os.getloadavg()[0]:.1f} at the end')
    setting = (f'{head_cfg.num_layers}-layer generator, width '
               f'{head_cfg.embed_dims}, vocabulary {head.lm_bias.numel()}; '
               f'{args.batch} questions x {args.memory_len} memory tokens; '
               f'answers of {args.tokens} tokens; median of {args.repeats}')
    table = ['| decoding | cached wall / CPU (ms) | uncached wall / CPU (ms)'
             ' | speed-up wall / CPU | same tokens |',
             '|---|---|---|---|---|']
    for r in rows:
        table.append(
            f'| {r["decoding"]} | {r["cached_ms"]:.0f} / '
            f'{r["cached_cpu_ms"]:.0f} | {r["uncached_ms"]:.0f} / '
            f'{r["uncached_cpu_ms"]:.0f} | **{r["speedup"]:.2f}x** / '
            f'**{r["cpu_speedup"]:.2f}x** | '
            f'{"yes" if r["same_tokens"] else "NO"} |')
    print(f'{setting}\ndevice: {device}, torch {torch.__version__}\n')
    print('\n'.join(table))
    if not args.no_record:
        stamp = datetime.date.today().isoformat()
        section = [
            '', f'## Answer decoding: key/value cache ({stamp})', '',
            f'`python benchmarks/bench_generate.py '
            f'{" ".join(argv if argv is not None else sys.argv[1:])}`'
            .replace(' `', '`'), '',
            f'{setting}. Device: {device}, torch {torch.__version__}. Goal: '
            'cached >= 3x faster.', ''] + table + ['']
        header = '' if osp.exists(DOC) else '# Benchmarks\n'
        with open(DOC, 'a', encoding='utf-8') as f:
            f.write(header + '\n'.join(section))
        print(f'\nappended to {osp.relpath(DOC, REPO)}')
    return rows


if __name__ == '__main__':
    main()
