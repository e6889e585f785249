"""Plot training curves from work dirs and per-type accuracy from test dumps.

Examples:
    python tools/analyze_logs.py curves work_dirs/run_a work_dirs/run_b \
        --out curves.png
    python tools/analyze_logs.py types preds_a.json preds_b.json --out types.png
"""
import argparse
import glob
import json
import os
import os.path as osp
import sys


def find_scalars(work_dir: str) -> str:
    """Latest ``<work_dir>/<timestamp>/vis_data/scalars.json``."""
    if osp.isfile(work_dir):
        return work_dir
    found = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not found:
        raise FileNotFoundError(f'no */vis_data/scalars.json under {work_dir}'
                                ' (is it a work dir written by tools/train.py?)')
    return found[-1]


def read_scalars(path: str):
    """Split MMEngine scalar records into train (per iter) and val (per epoch)."""
    train, val = [], []
    with open(path, encoding='utf-8') as f:
        for line in f:
            rec = json.loads(line)
            (train if 'loss' in rec or 'lr' in rec else val).append(rec)
    return train, val


def plot_curves(work_dirs, out, train_key='loss', acc_key=None, names=None):
    """Train loss and train/val accuracy, one column per run."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, len(work_dirs), squeeze=False,
                             figsize=(5 * len(work_dirs), 7))
    for col, wd in enumerate(work_dirs):
        train, val = read_scalars(find_scalars(wd))
        name = (names or [])[col] if names and col < len(names) else \
            osp.basename(osp.normpath(wd))
        steps = [r['step'] for r in train if train_key in r]
        axes[0, col].plot(steps, [r[train_key] for r in train
                                  if train_key in r])
        axes[0, col].set(title=name, xlabel='iteration', ylabel=train_key)
        key = acc_key or next((k for r in val for k in r
                               if k.endswith('/All')), None)
        ax = axes[1, col]
        tr_acc = [(r['step'], 100 * r['acc_lm_token']) for r in train
                  if 'acc_lm_token' in r]
        if tr_acc:
            # Iteration-level train token accuracy, drawn per epoch end.
            per_epoch = {}
            for rec in train:
                if 'acc_lm_token' in rec:
                    per_epoch[rec['epoch']] = 100 * rec['acc_lm_token']
            ax.plot(list(per_epoch), list(per_epoch.values()), 'o-',
                    label='train (answer-token acc.)')
        if key:
            pts = [(r['step'], r[key]) for r in val if key in r]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], 's-',
                    label=f'val ({key})')
        ax.set(xlabel='epoch', ylabel='accuracy (%)')
        ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    return out


def plot_types(dumps, out, names=None):
    """Per-type accuracy bars (ActivityNet-QA layout) from test dumps."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

    from mcg.evaluation import anetqa_accuracy
    tables = []
    for path in dumps:
        with open(path, encoding='utf-8') as f:
            recs = json.load(f)
        tables.append(anetqa_accuracy([dict(
            question_id=r['question_id'], pred_answer=r['prediction'],
            gt_answer=r['answer'], answer_type=r['type']) for r in recs]))
    cols = list(tables[0])
    x = np.arange(len(cols))
    width = 0.8 / len(tables)
    fig, ax = plt.subplots(figsize=(max(8, len(cols)), 4))
    for i, table in enumerate(tables):
        label = names[i] if names and i < len(names) else osp.basename(
            dumps[i])
        ax.bar(x + i * width, [table.get(c, 0) for c in cols], width,
               label=label)
    ax.set_xticks(x + width * (len(tables) - 1) / 2, cols, rotation=30)
    ax.set(ylabel='accuracy (%)', ylim=(0, 100))
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('curves', help='loss and accuracy curves')
    c.add_argument('work_dirs', nargs='+')
    c.add_argument('--out', default='curves.png')
    c.add_argument('--names', nargs='*')
    c.add_argument('--acc-key', help='val metric key (default: */All)')
    t = sub.add_parser('types', help='per-type accuracy bars')
    t.add_argument('dumps', nargs='+', help='tools/test.py --dump files')
    t.add_argument('--out', default='types.png')
    t.add_argument('--names', nargs='*')
    args = p.parse_args(argv)
    try:
        if args.cmd == 'curves':
            out = plot_curves(args.work_dirs, args.out, acc_key=args.acc_key,
                              names=args.names)
        else:
            out = plot_types(args.dumps, args.out, names=args.names)
    except FileNotFoundError as exc:
        print(f'mcg: {exc}', file=sys.stderr)
        return 2
    print(f'wrote {os.path.abspath(out)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
