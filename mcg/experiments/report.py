"""Tables (Markdown), raw results (JSON) and plots (PNG) of the experiments."""
from __future__ import annotations

import json
import os.path as osp
import statistics
from collections import OrderedDict
from typing import Dict, List, Sequence

from mcg.engine.atomic_io import atomic_write

#: Column -> the metric's key (ActivityNetQAMetric's type names).
TYPES = OrderedDict([
    ('Motion', 'Motion'), ('Spatial', 'Spatial Rel.'),
    ('Temporal', 'Temporal Rel.'), ('Yes/No', 'Yes/No'), ('Color', 'Color'),
    ('Object', 'Object'), ('Location', 'Location'), ('Number', 'Number'),
    ('Other', 'Other'), ('Free', 'Free'), ('All', 'All')])


def spread(values: Sequence[float]) -> str:
    """``mean`` or ``mean [min, max]`` over seeds (one decimal)."""
    values = [v for v in values if v is not None]
    if not values:
        return '-'
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f'{mean:.1f}'
    return f'{mean:.1f} [{min(values):.1f}, {max(values):.1f}]'


def group(results: List[Dict], key: str) -> 'OrderedDict[str, List[Dict]]':
    """Fine-tuning results by ``labels[key]``, in run order."""
    out: 'OrderedDict[str, List[Dict]]' = OrderedDict()
    for r in results:
        if r['kind'] == 'finetune' and key in r['labels']:
            out.setdefault(str(r['labels'][key]), []).append(r)
    return out


def qa_table(groups: Dict[str, List[Dict]], title: str, split: str = 'test') -> str:
    """Rows x question types, mean [min, max] over seeds; val All added."""
    head = f'| {title} | seeds | ' + ' | '.join(TYPES) + ' | val All |'
    lines = [head, '|' + '---|' * (len(TYPES) + 3)]
    for name, runs in groups.items():
        cells = [spread([r['metrics'][split].get(key) for r in runs])
                 for key in TYPES.values()]
        val = spread([r['metrics']['val'].get('All') for r in runs])
        lines.append(f'| {name} | {len(runs)} | ' + ' | '.join(cells) + f' | {val} |')
    return '\n'.join(lines)


def retrieval_table(results: List[Dict]) -> str:
    """One row per pre-training run: retrieval recalls and VTM accuracy."""
    lines = ['| pre-training | seed | R@1 | R@5 | R@10 | clip->caption R@1 | VTM acc '
             '(constant) | VTM acc pos / neg | wall |', '|' + '---|' * 9]
    for r in results:
        if r['kind'] != 'pretrain':
            continue
        m = r['metrics']['retrieval']
        vtm = (f"{m['acc_vtm']:.3f} ({m['acc_vtm_constant']:.3f})" if 'acc_vtm' in m else '-')
        pn = (f"{m['acc_vtm_pos']:.3f} / {m['acc_vtm_neg']:.3f}" if 'acc_vtm' in m else '-')
        lines.append(f"| {r['name']} | {r['seed']} | {m['R@1']:.3f} | {m['R@5']:.3f} | "
                     f"{m['R@10']:.3f} | {m['v2t_R@1']:.3f} | {vtm} | {pn} | "
                     f"{r['wall_s']:.0f} s |")
    return '\n'.join(lines)


def write_json(out_dir: str, experiment: str, results: List[Dict]) -> str:
    """``DIR/EXPERIMENT.json``: per run its config, seed, split metrics."""
    path = osp.join(out_dir, f'{experiment}.json')
    atomic_write(json.dumps({'experiment': experiment, 'runs': results}, indent=1), path)
    return path


def plot(path: str, series: Dict[str, List], xlabel: str, ylabel: str,
         title: str) -> str:
    """Line plot of ``{label: [(x, y), ...]}`` to a PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100)
    for label, points in series.items():
        points = [(x, y) for x, y in points if y is not None]
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, marker='o', label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def mean_points(groups: Dict[str, List[Dict]], x_of, y_of) -> Dict[str, List]:
    """``{label: [(x, mean y over seeds)]}`` from grouped runs."""
    out: Dict[str, List] = {}
    for label, runs in groups.items():
        ys = [y_of(r) for r in runs]
        ys = [y for y in ys if y is not None]
        out[label] = [(x_of(runs[0]), statistics.fmean(ys) if ys else None)]
    return out


def bars(path: str, values: Dict[str, List[float]], ylabel: str, title: str) -> str:
    """Bar chart of the mean per label, whiskers at min and max over seeds."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    labels = list(values)
    means = [statistics.fmean(v) if v else 0.0 for v in values.values()]
    low = [m - min(v) if v else 0.0 for m, v in zip(means, values.values())]
    high = [max(v) - m if v else 0.0 for m, v in zip(means, values.values())]
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100)
    ax.bar(range(len(labels)), means, yerr=[low, high], capsize=4)
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
