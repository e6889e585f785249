"""Evaluation wall time with and without the per-video feature cache.

Example:
    python benchmarks/bench_eval.py                    # tiny and base models
    python benchmarks/bench_eval.py --models tiny --videos 2 --no-record

Generates a small ShapesQA test split (``--videos`` videos) in a temporary
folder and gives every video 10 questions (its 9 plus a copy of the first
under a new id, as ActivityNet-QA has 10), then runs the evaluation loop
(decode with decord, preprocess, ``model.test_step``: video encoder, question
encoder, fusor, greedy answer generation) over per-question items
(``group_by_video=False``, ``--batch`` questions per batch, so a video's
questions span batches):

* uncached: ``video_cache_size=0``, the video encoder runs once per question;
* cached: the model's per-video feature cache (the default), the video
  encoder runs once per video.

For reference it also times the loaders' default grouping (one item per
video holding its 10 questions, ``group_by_video=True``), which encodes and
decodes each video once without the cache. Models: ``tiny``
(configs/_base_/models/mcg_tiny.py) and ``base`` (configs/_base_/models/
mcg_base.py at ``--img`` px), random init, offline vocabulary. Checks that
cached and uncached runs give identical answers, prints the ratio, and
appends to docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import tempfile
from typing import Dict, List, Optional, Sequence

import torch

from mcg.apis.offline_model import build_offline_model
from mcg.utils.benchmarking import (append_section, command_line,
                                    machine_line, ratio_vs_goal, timed)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DOC = osp.join(REPO, 'docs', 'benchmarks.md')

GOAL = 3.0
MODELS = {'tiny': 'configs/_base_/models/mcg_tiny.py',
          'base': 'configs/_base_/models/mcg_base.py'}
PER_VIDEO = 10


def make_data(root: str, videos: int) -> int:
    """A ShapesQA test split with 10 questions per video; return #questions.

    Args:
        root: Output folder (ActivityNet-QA layout).
        videos: Number of test videos.

    Returns:
        The number of test questions written.
    """
    from mcg.datasets.shapesqa.generate import generate_shapesqa
    generate_shapesqa(root, preset='stress', seed=0, write_mc=False,
                      num_videos=dict(train=1, val=1, test=videos))
    with open(osp.join(root, 'test_q.json'), encoding='utf-8') as f:
        qs = json.load(f)
    with open(osp.join(root, 'test_a.json'), encoding='utf-8') as f:
        ans = json.load(f)
    out_q, out_a, count = [], [], {}
    for q, a in zip(qs, ans):
        count[q['video_name']] = count.get(q['video_name'], 0) + 1
        out_q.append(q)
        out_a.append(a)
    firsts = {}
    for q, a in zip(qs, ans):
        firsts.setdefault(q['video_name'], (q, a))
    for name, n in count.items():
        q, a = firsts[name]
        for k in range(n + 1, PER_VIDEO + 1):
            qid = f'v_{name}_{k}'
            out_q.append(dict(q, question_id=qid))
            out_a.append(dict(a, question_id=qid))
    for split, data in (('test_q', out_q), ('test_a', out_a)):
        with open(osp.join(root, f'{split}.json'), 'w',
                  encoding='utf-8') as f:
            json.dump(data, f)
    return len(out_q)


def build_model(name: str, frames: int, img: Optional[int]):
    """The named model config, offline and random, in eval mode."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, MODELS[name]))
    return build_offline_model(cfg, frames, img).eval()


def build_loader(root: str, img: int, frames: int, batch: int,
                 grouped: bool):
    """Test loader over ``root`` (per-question items unless ``grouped``)."""
    from torch.utils.data import DataLoader

    from mcg.datasets.collate import videoqa_collate
    from mcg.registry import DATASETS
    pipeline = [
        dict(type='DecordInit'),
        dict(type='HeadTailFrameSampler', num_frames=frames, test_mode=True),
        dict(type='DecordDecode'),
        dict(type='VideoResize', scale=img),
        dict(type='PackVideoQAInputs'),
    ]
    dataset = DATASETS.build(dict(
        type='ActivityNetQADataset', data_root=root, split='test',
        group_by_video=grouped, pipeline=pipeline, test_mode=True))
    # Grouped items hold 10 questions each: batch whole videos.
    size = max(1, batch // PER_VIDEO) if grouped else batch
    return DataLoader(dataset, batch_size=size, shuffle=False,
                      num_workers=0, collate_fn=videoqa_collate)


def evaluate(model, loader) -> Dict[str, str]:
    """Run the evaluation loop; return question id -> answer."""
    preds = {}
    for data in loader:
        for sample in model.test_step(data):
            preds[sample.question_id] = sample.pred_answer
    return preds


def bench_model(name: str, root: str, n_questions: int, args
                ) -> Dict[str, float]:
    """Time uncached, cached and grouped evaluation of one model."""
    from mcg.models.feature_cache import VideoFeatureCache
    model = build_model(name, args.frames,
                        args.img if name == 'base' else None)
    enc = model.video_encoder
    img = enc.patch_embed.img_size[0]
    runs = (('uncached', 0, False), ('cached', args.cache_size, False),
            ('grouped', 0, True))
    res: Dict[str, float] = dict(model=name, frames=enc.num_frames, img=img,
                                 questions=n_questions)
    preds = {}
    # Warm-up (libraries, page cache) on one batch.
    model.video_cache = VideoFeatureCache(0)
    model.test_step(next(iter(build_loader(root, img, enc.num_frames,
                                           args.batch, False))))
    for run, size, grouped in runs:
        model.video_cache = VideoFeatureCache(size)
        loader = build_loader(root, img, enc.num_frames, args.batch, grouped)
        wall, cpu, preds[run] = timed(lambda: evaluate(model, loader))
        res[f'{run}_s'], res[f'{run}_cpu_s'] = wall, cpu
        assert len(preds[run]) == n_questions
    res['same'] = preds['cached'] == preds['uncached'] == preds['grouped']
    res['ratio'] = res['uncached_s'] / res['cached_s']
    res['cpu_ratio'] = res['uncached_cpu_s'] / res['cached_cpu_s']
    return res


def main(argv: Optional[Sequence[str]] = None) -> List[Dict[str, float]]:
    """Run the benchmark; return one row per model.

    Args:
        argv: Command-line arguments (None: ``sys.argv``).

    Returns:
        Rows with the wall/CPU seconds of each run and the ratios.
    """
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--models', default='tiny,base')
    p.add_argument('--videos', type=int, default=4)
    p.add_argument('--batch', type=int, default=8,
                   help='questions per batch (per-question items)')
    p.add_argument('--frames', type=int, default=8)
    p.add_argument('--img', type=int, default=112,
                   help='frame size of the base model (see '
                   'bench_train_step.py)')
    p.add_argument('--cache-size', type=int, default=32)
    p.add_argument('--no-record', action='store_true',
                   help='do not append to docs/benchmarks.md')
    args = p.parse_args(argv)
    # no_grad as a context: main() may run inside another process's code
    # (the smoke test), whose grad mode must not change.
    with torch.no_grad(), tempfile.TemporaryDirectory() as root:
        n = make_data(root, args.videos)
        rows = [bench_model(m, root, n, args)
                for m in args.models.split(',')]
    table = ['| model | clip | uncached (s) wall / CPU | cached (s) wall / '
             'CPU | speed-up wall / CPU | grouped by video, no cache (s) | '
             'same answers |', '|---|---|---:|---:|---:|---:|---|']
    for r in rows:
        table.append(
            f'| {r["model"]} | {r["frames"]}x{r["img"]} | '
            f'{r["uncached_s"]:.2f} / {r["uncached_cpu_s"]:.2f} | '
            f'{r["cached_s"]:.2f} / {r["cached_cpu_s"]:.2f} | '
            f'**{r["ratio"]:.2f}x** / {r["cpu_ratio"]:.2f}x | '
            f'{r["grouped_s"]:.2f} | {"yes" if r["same"] else "NO"} |')
    machine = machine_line()
    verdict = '; '.join(f'{r["model"]}: {ratio_vs_goal(r["ratio"], GOAL)}'
                        for r in rows)
    print('\n'.join(table) + f'\n{machine}\n{verdict}')
    if not args.no_record:
        doc = append_section('Evaluation: per-video feature cache', [
            f'`{command_line("bench_eval.py", argv)}`', '',
            f'{args.videos} ShapesQA test videos x {PER_VIDEO} questions '
            f'({rows[0]["questions"]} questions), per-question items in '
            f'batches of {args.batch}; the whole loop (decord decode, '
            'preprocess, test_step with greedy decoding) after a one-batch '
            f'warm-up. Machine: {machine}. Goal: cached >= {GOAL:g}x '
            f'faster; {verdict}.', ''] + table, DOC)
        print(f'appended to {doc}')
    return rows


if __name__ == '__main__':
    main()
