"""Reproduce the paper's claims in miniature on ShapesQA, with one command.

Prepares the data (ShapesQA QA splits plus the captions-only pre-training
corpus), runs each configuration (finished runs in DIR are skipped, so a
stopped call resumes), prints one line per run and writes DIR/EXPERIMENT.md,
DIR/EXPERIMENT.json (and PNG plots; retrieval also DIR/retrieval.json).

Example:
    python tools/reproduce.py retrieval --seeds 1 --out work_dirs/repro
    python tools/reproduce.py table5 --seeds 3 --out work_dirs/repro
    python tools/reproduce.py all --out work_dirs/repro

See docs/reproduction.md.
"""
import argparse
import sys

from mcg.experiments.catalog import EXPERIMENTS, PROFILES


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('experiment', choices=EXPERIMENTS + ('all',))
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--seeds', type=int, default=3,
                        help='fine-tuning seeds per row (pre-training seeds '
                        'for retrieval)')
    parser.add_argument('--profile', default='demo', choices=sorted(PROFILES),
                        help="'tiny' runs everything in seconds (tests)")
    parser.add_argument('--data-root', help='ShapesQA folder (default: '
                        'OUT/data/shapesqa, generated when missing)')
    parser.add_argument('--report-only', action='store_true',
                        help='run nothing; write the reports from the runs '
                        'finished in OUT (missing runs are listed in them)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mcg.experiments import reproduce
    written = reproduce(args.experiment, args.out, seeds=args.seeds,
                        profile=args.profile, data_root=args.data_root,
                        report_only=args.report_only)
    if 'retrieval' in written:
        import json
        with open(written['retrieval'], encoding='utf-8') as f:
            res = json.load(f)
        print(f"retrieval: R@1 {res['R@1']:.3f} R@5 {res['R@5']:.3f} on "
              f"{res['num_clips']:.0f} held-out clips; VTM acc "
              f"{res.get('acc_vtm', float('nan')):.3f} (constant "
              f"{res.get('acc_vtm_constant', float('nan')):.3f})")
    for name, path in sorted(written.items()):
        print(f'{name}: {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
