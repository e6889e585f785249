"""Per-type breakdown tables shared by the video-QA metrics.

A :class:`TypeLayout` says which question types make each column of a
paper's table; :func:`breakdown` turns per-question scores into that row,
skipping empty columns instead of dividing by zero (NExT-QA's ``eval_mc.py``
crashes there). The helpers here also collect one results entry per dataset
item (what MMEngine's cross-rank collection assumes) and report unreadable
videos.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from itertools import groupby
from typing import (Callable, Dict, Iterable, List, Optional, Sequence,
                    Tuple, Union)



def dedupe(records: Iterable[dict]) -> List[dict]:
    """Keep the first record per ``question_id``.

    Distributed padding and duplicated ids must not be counted twice.

    Args:
        records: Dicts with a ``question_id``.

    Returns:
        The records in order, each id once.
    """
    seen, out = set(), []
    for rec in records:
        if rec['question_id'] not in seen:
            seen.add(rec['question_id'])
            out.append(rec)
    return out


@dataclass(frozen=True)
class TypeLayout:
    """Columns of a per-type accuracy table.

    Args:
        columns: ``(column name, answer types pooled in it)`` in display
            order.
        total: Name of the all-questions column.
        acc_key: Format of the accuracy metric key, with ``{col}``.
    """

    columns: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    total: str = 'All'
    acc_key: str = '{col}'

    def names(self) -> List[str]:
        """Column names, total last."""
        return [name for name, _ in self.columns] + [self.total]


#: Table III (MSRVTT-QA and MSVD-QA).
MSRVTT_LAYOUT = TypeLayout(columns=(
    ('What', ('what', )), ('Who', ('who', )), ('How', ('how', )),
    ('When', ('when', )), ('Where', ('where', ))))
#: Table IV (NExT-QA): TP pooled with TN as in ``eval_mc.py``.
NEXTQA_LAYOUT = TypeLayout(
    columns=(('C', ('CW', 'CH')), ('T', ('TN', 'TP', 'TC')),
             ('D', ('DL', 'DC', 'DO', 'DB'))),
    acc_key='Acc@{col}')
#: ``eval_mc.py``'s per-type lines (Yes/No only exists in NExT-OE).
NEXTQA_DETAIL_LAYOUT = TypeLayout(columns=(
    ('Why', ('CW', )), ('How', ('CH', )), ('Bef&Aft', ('TN', 'TP')),
    ('When', ('TC', )), ('Cnt', ('DC', )), ('Loc', ('DL', )),
    ('Other', ('DO', )), ('Yes/No', ('DB', ))))
#: TGIF-QA FrameQA answer types.
FRAMEQA_LAYOUT = TypeLayout(columns=(
    ('Object', ('object', )), ('Number', ('number', )),
    ('Color', ('color', )), ('Location', ('location', ))))
#: One overall accuracy (TVQA, TGIF action/transition).
PLAIN_LAYOUT = TypeLayout(total='Acc')
#: One overall column, for open-ended scores with WUPS rows under it.
OVERALL_LAYOUT = TypeLayout()

LAYOUTS: Dict[str, TypeLayout] = dict(
    msrvtt=MSRVTT_LAYOUT, msvd=MSRVTT_LAYOUT, nextqa=NEXTQA_LAYOUT,
    tgif_frameqa=FRAMEQA_LAYOUT, tvqa=PLAIN_LAYOUT, plain=PLAIN_LAYOUT,
    overall=OVERALL_LAYOUT)


def get_layout(layout: Union[str, TypeLayout]) -> TypeLayout:
    """A layout by name (see ``LAYOUTS``) or the layout itself."""
    if isinstance(layout, TypeLayout):
        return layout
    if layout not in LAYOUTS:
        raise ValueError(f'unknown layout {layout!r}; choose from '
                         f'{sorted(LAYOUTS)}')
    return LAYOUTS[layout]


def breakdown(records: Sequence[dict], layout: TypeLayout,
              score: Callable[[dict], float]
              ) -> Tuple['OrderedDict[str, float]', Dict[str, int]]:
    """Mean score (in %) per column of ``layout`` and over all records.

    Args:
        records: De-duplicated per-question records with ``answer_type``.
        layout: The table layout.
        score: Per-record score in [0, 1] (1/0 for accuracy).

    Returns:
        ``(values, counts)`` keyed by column name; columns without questions
        are left out, the total is present whenever there are records.
    """
    values: 'OrderedDict[str, float]' = OrderedDict()
    counts: Dict[str, int] = {}
    for name, types in layout.columns:
        picked = [score(r) for r in records
                  if str(r.get('answer_type')) in types]
        if picked:
            values[name] = 100.0 * sum(picked) / len(picked)
            counts[name] = len(picked)
    if records:
        values[layout.total] = 100.0 * sum(map(score, records)) / len(records)
        counts[layout.total] = len(records)
    return values, counts


def group_by_item(data_samples: Sequence[dict],
                  fields: Sequence[str]) -> List[List[dict]]:
    """One list of per-question records per dataset item of a batch.

    Questions of one item (``sample_idx``) are consecutive in a batch.

    Args:
        data_samples: ``VideoQADataSample.to_dict()`` outputs.
        fields: Keys copied into each record (missing ones become None).
    """
    def key(sample: dict):
        return sample.get('sample_idx', sample.get('question_id'))

    return [[{f: s.get(f) for f in fields} for s in group]
            for _, group in groupby(data_samples, key=key)]


def flatten(results: Iterable[List[dict]]) -> List[dict]:
    """All records of all items, each question id once."""
    return dedupe(r for item in results for r in item)


def unreadable_report(records: Sequence[dict]) -> Tuple[Dict, Optional[str]]:
    """Metric entries and a log line for questions with ``video_error``.

    Returns:
        ``({'unreadable_videos': n[, 'unreadable_video_ids': [...]]},
        message or None)``.
    """
    reasons: 'OrderedDict[str, str]' = OrderedDict()
    questions = 0
    for rec in records:
        if rec.get('video_error'):
            questions += 1
            reasons.setdefault(str(rec.get('video_id')), rec['video_error'])
    metrics: Dict = dict(unreadable_videos=len(reasons))
    if not reasons:
        return metrics, None
    metrics['unreadable_video_ids'] = list(reasons)
    listing = '\n'.join(f'  {vid}: {why}' for vid, why in reasons.items())
    return metrics, (f'{len(reasons)} unreadable video(s); their {questions} '
                     f'question(s) are counted as wrong:\n{listing}')


def format_grid(rows: Dict[str, Dict[str, Optional[float]]],
                columns: Sequence[str], title: str = '') -> str:
    """Render rows of ``{column: value}`` (None -> ``-``) as a text table."""
    label_w = max([len(r) for r in rows] + [0])
    widths = [max(len(c), 6) for c in columns]
    head = ' ' * label_w + ' | ' + ' | '.join(
        c.rjust(w) for c, w in zip(columns, widths))
    lines = [title] if title else []
    lines += [head, '-' * len(head)]
    for label, row in rows.items():
        cells = []
        for col, w in zip(columns, widths):
            value = row.get(col)
            text = value if isinstance(value, str) else (
                '-' if value is None else f'{value:.2f}')
            cells.append(text.rjust(w))
        lines.append(label.ljust(label_w) + ' | ' + ' | '.join(cells))
    return '\n'.join(lines)
