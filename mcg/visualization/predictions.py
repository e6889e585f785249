"""Render questions of a ``tools/test.py --dump`` file with their frames.

Each figure shows the frames the model sampled (the config's test
pipeline, in order), the question, the prediction and the ground truth,
green when the prediction is right and red when wrong (the metric's
normalised match). :func:`render_html` puts many on one page.
"""
from __future__ import annotations

import copy
import html
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from mcg.evaluation.metrics.anetqa_metric import is_correct
from mcg.registry import DATASETS, TRANSFORMS

RIGHT, WRONG = '#1a7f37', '#cf222e'


def load_dump(path: str) -> List[Dict]:
    """The records of a ``--dump`` file."""
    with open(path, encoding='utf-8') as f:
        records = json.load(f)
    if not isinstance(records, list) or (records and 'question_id' not in records[0]):
        raise ValueError(f'{path} is not a tools/test.py --dump file')
    return records


def is_right(record: Dict) -> bool:
    """Whether the prediction matches the answer (normalised, as the metric)."""
    return record.get('prediction') is not None and is_correct(
        record['prediction'], record['answer'], 'normalized')


def select_records(records: Sequence[Dict], ids: Sequence[str] = (),
                   num: Optional[int] = None, only: Optional[str] = None) -> List[Dict]:
    """Chosen records: by question id, else the first ``num`` (right/wrong)."""
    if ids:
        by_id = {r['question_id']: r for r in records}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise KeyError(f'question ids not in the dump: {missing[:5]}')
        return [by_id[i] for i in ids]
    chosen = [r for r in records
              if only is None or (only == 'right') == is_right(r)]
    return chosen[:num] if num is not None else chosen


class PredictionFigure:
    """Draws dumped predictions on the frames the config's test pipeline samples.

    Args:
        cfg: The model config (its ``test_dataloader.dataset``).
    """

    def __init__(self, cfg) -> None:
        source = copy.deepcopy(cfg.test_dataloader.dataset)
        steps = [t for t in source.pop('pipeline', [])
                 if not t['type'].startswith('Pack')]
        source['pipeline'] = []
        self.dataset = DATASETS.build(source)
        self.transforms = [TRANSFORMS.build(t) for t in steps]
        self.index = {}
        for i in range(len(self.dataset)):
            info = self.dataset.get_data_info(i)
            for qa in info.get('qa', [info]):
                self.index[str(qa['question_id'])] = i

    def frames(self, question_id: str) -> np.ndarray:
        """(T, H, W, 3) uint8 frames of the question's clip, in order."""
        if question_id not in self.index:
            raise KeyError(f'{question_id} is not in the config\'s test split')
        results = self.dataset.get_data_info(self.index[question_id])
        for transform in self.transforms:
            results = transform(results)
        return np.asarray(results['imgs'])

    def render(self, record: Dict, path: str) -> str:
        """One PNG: frames in a row, question, prediction and truth below."""
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        frames = self.frames(str(record['question_id']))
        count = len(frames)
        fig, axes = plt.subplots(1, count, figsize=(1.3 * count, 2.4), dpi=100,
                                 squeeze=False)
        for t, ax in enumerate(axes[0]):
            ax.imshow(frames[t])
            ax.set_title(f'frame {t + 1}', fontsize=7)
            ax.axis('off')
        colour = RIGHT if is_right(record) else WRONG
        fig.text(0.01, 0.16, f"Q: {record['question']}", fontsize=9)
        fig.text(0.01, 0.04, f"prediction: {record.get('prediction')}", fontsize=9,
                 color=colour, weight='bold')
        fig.text(0.55, 0.04, f"ground truth: {record['answer']}", fontsize=9)
        fig.subplots_adjust(left=0.01, right=0.99, top=0.85, bottom=0.3, wspace=0.05)
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        fig.savefig(path)
        plt.close(fig)
        return path


def render_html(records: Sequence[Dict], images: Sequence[str], path: str) -> str:
    """A page with every rendered question (images relative to the page)."""
    rows = []
    for record, image in zip(records, images):
        colour = RIGHT if is_right(record) else WRONG
        rel = osp.relpath(image, osp.dirname(osp.abspath(path)))
        rows.append(
            f'<div class="q"><img src="{html.escape(rel)}"><p>'
            f'{html.escape(str(record["question_id"]))}: {html.escape(record["question"])}'
            f'<br><b style="color:{colour}">prediction: '
            f'{html.escape(str(record.get("prediction")))}</b> &middot; ground truth: '
            f'{html.escape(str(record["answer"]))}</p></div>')
    right = sum(is_right(r) for r in records)
    page = ('<!doctype html><meta charset="utf-8"><title>predictions</title>'
            '<style>.q{margin:1em 0}img{max-width:100%}</style>'
            f'<h1>{len(records)} questions, {right} right</h1>' + '\n'.join(rows))
    with open(path, 'w', encoding='utf-8') as f:
        f.write(page)
    return path
