"""TGIF-QA (``YunseokJANG/tgif-qa``): the four tasks of its question files.

``dataset/{Train,Test}_{task}_question.csv`` are tab-separated despite the
name. ``action``/``transition`` are 5-way multiple choice (``a1..a5``,
``answer`` 0-4), ``frameqa`` is open-ended with ``type`` 0-3 (object, number,
colour, location) and ``count`` has an integer answer (kept as its string,
scored by :class:`~mcg.evaluation.metrics.TGIFCountMetric`).
"""
from __future__ import annotations

import os
from typing import List, Sequence

from mcg.registry import DATASETS
from .annotation_io import load_csv_records
from .base_videoqa import (QuestionEntry, VideoQABaseDataset, first_existing,
                           require_dir)
from .text_files import AnnotationError

TGIF_TASKS = ('action', 'transition', 'frameqa', 'count')
FRAMEQA_TYPES = ('object', 'number', 'color', 'location')
NUM_OPTIONS = 5
SPLIT_FILES = dict(train='Train', test='Test')


@DATASETS.register_module()
class TGIFQADataset(VideoQABaseDataset):
    """One TGIF-QA task.

    Args:
        data_root: Folder with the ``*_question.csv`` files.
        split: ``train`` or ``test`` (TGIF-QA has no val split).
        task: ``action``, ``transition``, ``frameqa`` or ``count``.
        video_dir: GIF folder relative to ``data_root``.
        video_exts: Extensions tried for ``<gif_name>`` (ClipBERT ships the
            GIFs re-encoded as mp4).
        **kwargs: See :class:`VideoQABaseDataset`.
    """

    DATA_DOC = 'docs/datasets/tgifqa.md'
    METAINFO = dict(type_names=FRAMEQA_TYPES, dataset='TGIF-QA')

    def __init__(self, data_root: str, split: str = 'test',
                 task: str = 'frameqa', video_dir: str = 'gifs',
                 video_exts: Sequence[str] = ('.gif', '.mp4'),
                 **kwargs) -> None:
        if task not in TGIF_TASKS:
            raise ValueError(f'task must be one of {TGIF_TASKS}, got {task!r}')
        if split not in SPLIT_FILES:
            raise ValueError(f'split must be one of {sorted(SPLIT_FILES)}, '
                             f'got {split!r}')
        self.task = task
        self.video_dir = video_dir
        self.video_exts = tuple(video_exts)
        super().__init__(data_root, split, **kwargs)

    def fields(self) -> dict:
        """Required columns of this task's file and their converters."""
        base = dict(gif_name=str, question=str)
        if self.task in ('action', 'transition'):
            return dict(base, answer=int,
                        **{f'a{k}': str for k in range(1, NUM_OPTIONS + 1)})
        if self.task == 'frameqa':
            return dict(base, answer=str, type=int)
        return dict(base, answer=int)

    def load_questions(self) -> List[QuestionEntry]:
        name = f'{SPLIT_FILES[self.split]}_{self.task}_question.csv'
        source = self.path(name)
        rows = load_csv_records(source, self.fields(), self.DATA_DOC,
                                delimiter='\t')
        root = require_dir(self.path(self.video_dir), self.DATA_DOC)
        entries = []
        for i, row in enumerate(rows):
            gif = row['gif_name'].strip()
            stems = [os.path.join(root, gif + ext) for ext in self.video_exts]
            path = first_existing(stems) or stems[0]
            qa = dict(question=row['question'].strip(),
                      question_id=f'{self.task}_{self.split}_{i}')
            qa.update(self.make_answer(row, source, i))
            entries.append((gif, path, qa))
        return entries

    def make_answer(self, row: dict, source: str, index: int) -> dict:
        """Answer fields of one row for this task."""
        if self.task in ('action', 'transition'):
            options = [row[f'a{k}'].strip()
                       for k in range(1, NUM_OPTIONS + 1)]
            if not 0 <= row['answer'] < NUM_OPTIONS:
                raise AnnotationError(f'{source}: record {index}: answer '
                                      f'{row["answer"]} is not 0-4')
            return dict(candidates=options, gt_label=row['answer'],
                        answer=options[row['answer']], answer_type=self.task)
        if self.task == 'frameqa':
            if not 0 <= row['type'] < len(FRAMEQA_TYPES):
                raise AnnotationError(f'{source}: record {index}: type '
                                      f'{row["type"]} is not 0-3')
            return dict(answer=row['answer'].strip(),
                        answer_type=FRAMEQA_TYPES[row['type']])
        return dict(answer=str(row['answer']), answer_type='count')
