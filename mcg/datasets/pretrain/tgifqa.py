"""TGIF-QA as internal VideoQA pre-training data."""
from __future__ import annotations

import os
from collections import OrderedDict
from typing import Dict, List, Sequence

from mmengine.dataset import BaseDataset

from mcg.datasets.text_files import (AnnotationError, csv_header,
                                     read_csv_rows)
from mcg.registry import DATASETS, TRANSFORMS
from .records import require_file, text_record

TGIF_TASKS = ('frameqa', 'count', 'action', 'transition')
_COLUMNS = {
    'frameqa': ('gif_name', 'question', 'answer'),
    'count': ('gif_name', 'question', 'answer'),
    'action': ('gif_name', 'question', 'a1', 'a2', 'a3', 'a4', 'a5',
               'answer'),
    'transition': ('gif_name', 'question', 'a1', 'a2', 'a3', 'a4', 'a5',
                   'answer'),
}


def tgif_answer(task: str, row: Dict[str, str], where: str) -> str:
    """The answer text of a row: the word, the count, or the right option."""
    if task in ('frameqa', 'count'):
        return row['answer'].strip()
    try:
        choice = int(row['answer'])
    except ValueError as exc:
        raise AnnotationError(f'{where}: answer {row["answer"]!r} is not an '
                              'option index 0-4') from exc
    if not 0 <= choice <= 4:
        raise AnnotationError(f'{where}: answer index {choice} not in 0-4')
    return row[f'a{choice + 1}'].strip()


@DATASETS.register_module()
class TGIFQAPretrainDataset(BaseDataset):
    """TGIF-QA questions (YunseokJANG/tgif-qa release) as open-ended QA.

    Reads ``<ann_dir>/<split>_<task>_question.csv`` (tab-separated despite
    the name, with a header row). FrameQA answers are words, Count answers
    numbers, and the multiple-choice Action/Transition answers become the
    text of the correct option, so every task trains the generator (the
    paper uses TGIF-QA only as pre-training data). Clips are
    ``<data_root>/<video_dir>/<gif_name><video_ext>``; the original GIFs need
    a GIF-capable opener (``VideoInit``), ClipBERT's mp4 re-encodes work with
    ``DecordInit``.

    Args:
        data_root: Dataset folder.
        split: ``'Train'`` or ``'Test'`` (the file prefix).
        tasks: Subset of ``('frameqa', 'count', 'action', 'transition')``.
        ann_dir: Folder of the csv files, relative to ``data_root``.
        video_dir: Clip folder, relative to ``data_root``.
        video_ext: Clip extension (``'.gif'`` or ``'.mp4'``).
        group_by_video: One item per clip with all its questions (default).
        pipeline: Transform configs.
        test_mode: Evaluation mode.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self, data_root: str, split: str = 'Train',
                 tasks: Sequence[str] = TGIF_TASKS, ann_dir: str = 'dataset',
                 video_dir: str = 'gifs', video_ext: str = '.gif',
                 group_by_video: bool = True, pipeline: Sequence = (),
                 test_mode: bool = False, **kwargs) -> None:
        unknown = [t for t in tasks if t not in TGIF_TASKS]
        if unknown:
            raise ValueError(f'unknown TGIF-QA tasks {unknown}; choose from '
                             f'{TGIF_TASKS}')
        self.split = split
        self.tasks = tuple(tasks)
        self.ann_dir = ann_dir
        self.video_dir = video_dir
        self.video_ext = video_ext
        self.group_by_video = group_by_video
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t
                    for t in pipeline]
        super().__init__(data_root=data_root, pipeline=pipeline,
                         test_mode=test_mode, **kwargs)

    def _read_task(self, task: str) -> List[dict]:
        path = os.path.join(self.data_root, self.ann_dir,
                            f'{self.split}_{task}_question.csv')
        require_file(path, f'TGIF-QA {task} annotation file')
        rows = []
        missing = [c for c in _COLUMNS[task]
                   if c not in csv_header(path, '\t')]
        if missing:
            raise AnnotationError(f'{path}: missing columns {missing} '
                                  '(is it tab-separated?)')
        for i, (line_no, row) in enumerate(read_csv_rows(
                path, '\t', required=_COLUMNS[task])):
            where = f'{path}:{line_no}: row {i}'
            question = ' '.join(row['question'].split())
            answer = tgif_answer(task, row, where)
            if not question or not answer:
                raise AnnotationError(f'{where}: empty question/answer')
            key = (row.get('key') or str(i)).strip()
            rows.append(dict(gif=row['gif_name'].strip(), qa=text_record(
                f'{task}_{key}', question, answer, 'qa')))
        return rows

    def load_data_list(self) -> List[dict]:
        groups: 'OrderedDict[str, List[dict]]' = OrderedDict()
        for task in self.tasks:
            for row in self._read_task(task):
                groups.setdefault(row['gif'], []).append(row['qa'])
        folder = os.path.join(self.data_root, self.video_dir)
        data_list = []
        for gif, qas in groups.items():
            info = dict(video_id=gif,
                        video_path=os.path.join(folder, gif + self.video_ext))
            if self.group_by_video:
                data_list.append(dict(info, qa=qas))
            else:
                data_list.extend(dict(info, qa=[qa]) for qa in qas)
        return data_list
