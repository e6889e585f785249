#!/usr/bin/env python
"""Generate the ShapesQA synthetic VideoQA dataset.

Example::

    python tools/data/make_shapesqa.py --out data/shapesqa --preset demo --workers 4
    # plus the captions-only pre-training corpus and 200 held-out clips:
    python tools/data/make_shapesqa.py --out data/shapesqa --preset demo --pretrain

Runs from a plain checkout (no installation) and never imports torch: the
generator package is loaded without executing ``mcg/datasets/__init__.py``,
which may import torch-based modules.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import time
from types import ModuleType

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_PKG = 'mcg.datasets.shapesqa'


def _load_generate() -> ModuleType:
    """Import ``mcg.datasets.shapesqa.generate`` without its parent packages' __init__.

    Returns:
        The ``generate`` module.
    """
    if _PKG not in sys.modules:
        spec = importlib.util.find_spec('mcg')
        if spec is not None and spec.submodule_search_locations:
            mcg_dir = list(spec.submodule_search_locations)[0]
        else:
            # A plain checkout without installation: the package next to
            # tools/, loaded by file location (sys.path is left alone).
            mcg_dir = os.path.join(REPO_ROOT, 'mcg')
        pkg_dir = os.path.join(mcg_dir, 'datasets', 'shapesqa')
        pkg_spec = importlib.util.spec_from_file_location(
            _PKG, os.path.join(pkg_dir, '__init__.py'), submodule_search_locations=[pkg_dir])
        module = importlib.util.module_from_spec(pkg_spec)
        # Registered before executing so the package's relative imports
        # resolve against it instead of importing mcg.datasets.
        sys.modules[_PKG] = module
        pkg_spec.loader.exec_module(module)
    return importlib.import_module(f'{_PKG}.generate')


def _load_progress() -> ModuleType:
    """Load ``mcg/utils/progress.py`` by path (standard library only), so
    that ``mcg/utils/__init__.py`` is not executed either.

    Returns:
        The progress module.
    """
    name = 'mcg_utils_progress_standalone'
    if name not in sys.modules:
        mcg_dir = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(_load_generate().__file__))))
        spec = importlib.util.spec_from_file_location(
            name, os.path.join(mcg_dir, 'utils', 'progress.py'))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse command-line arguments.

    Args:
        argv: Argument list; None reads ``sys.argv``.

    Returns:
        The parsed namespace.
    """
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--preset', default='demo', choices=('tiny', 'demo', 'stress'))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--workers', type=int, default=1, help='encoder processes')
    parser.add_argument('--num-videos', type=int, nargs=3, metavar=('TRAIN', 'VAL', 'TEST'),
                        help='override the preset video counts')
    parser.add_argument('--num-frames', type=int, default=16, help='frames per clip (2..53)')
    parser.add_argument('--no-mc', action='store_true', help='skip the NExT-QA MC files')
    parser.add_argument('--pretrain', action='store_true',
                        help='also write the captions-only pre-training corpus (pretrain/), '
                        'from scenes disjoint from every QA split')
    parser.add_argument('--num-pretrain', type=int, nargs=2, metavar=('TRAIN', 'HELDOUT'),
                        help='corpus clip counts (implies --pretrain; default: the preset\'s)')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    """Run the generator and print a one-line summary.

    Args:
        argv: Argument list; None reads ``sys.argv``.

    Returns:
        The summary returned by ``generate_shapesqa``.
    """
    args = parse_args(argv)
    generate = _load_generate()
    num_videos = None
    if args.num_videos is not None:
        num_videos = dict(zip(('train', 'val', 'test'), args.num_videos))
    start = time.perf_counter()
    # Periodic 'videos: done/total, rate, ETA' lines on stderr.
    with _load_progress().ProgressLine('make_shapesqa', unit='videos') as progress:
        summary = generate.generate_shapesqa(
            args.out, preset=args.preset, seed=args.seed, num_videos=num_videos,
            num_frames=args.num_frames, write_mc=not args.no_mc, workers=args.workers,
            pretrain=tuple(args.num_pretrain) if args.num_pretrain else args.pretrain,
            progress=progress.set)
    elapsed = time.perf_counter() - start
    n = summary['num_videos']
    print(f"ShapesQA[{summary['preset']}] seed={summary['seed']} T={summary['num_frames']} "
          f"videos={n['train']}/{n['val']}/{n['test']} "
          f"questions={sum(summary['num_questions'].values())} mc={summary['num_mc_questions']} "
          f"pretrain={summary['num_pretrain'] or '-'} "
          f"codec={summary['codec']} video_MB={summary['video_bytes'] / 1e6:.2f} "
          f"-> {summary['out_dir']} in {elapsed:.2f}s")
    return summary


if __name__ == '__main__':
    main()
