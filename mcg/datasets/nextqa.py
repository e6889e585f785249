"""NExT-QA: multiple choice (``doc-doc/NExT-QA``) and open-ended (NExT-OE).

Both read ``{split}.csv`` (header ``video,frame_count,width,height,question,
answer,qid,type[,a0..a4]``) and ``map_vid_vidorID.json``, which maps the
integer ``video`` to ``<folder>/<file>`` under the video root. The global
question id is ``<video>_<qid>``. ``qid`` is meant to be unique within a
video, but the released NExT-OE ``train.csv`` repeats three (video, qid)
pairs for different questions: every row is kept, and the k-th repeat
(k >= 2) gets the id ``<video>_<qid>_<k>`` (:func:`number_repeated_ids`).
"""
from __future__ import annotations

import logging
import os
from typing import Dict, List

from mmengine.logging import print_log

from mcg.registry import DATASETS
from .annotation_io import load_csv_records, load_json
from .base_videoqa import QuestionEntry, VideoQABaseDataset, require_dir
from .text_files import AnnotationError

#: NExT-QA question type codes (DB only occurs in the open-ended set).
NEXTQA_TYPES = ('CW', 'CH', 'TN', 'TP', 'TC', 'DL', 'DC', 'DO', 'DB')
NUM_OPTIONS = 5


def number_repeated_ids(entries: List[QuestionEntry], source: str) -> int:
    """Give repeated question ids a suffix so every row keeps its own.

    The first ``<video>_<qid>`` keeps its id, the k-th repeat becomes
    ``<video>_<qid>_<k>``; one warning gives the count (metrics de-duplicate
    by id, so a shared id would drop a question).

    Args:
        entries: ``(video_id, video_path, qa)``; ``qa['question_id']`` is
            rewritten in place.
        source: The csv file, for the warning.

    Returns:
        The number of renamed rows.
    """
    seen: Dict[str, int] = {}
    renamed = []
    for _, _, qa in entries:
        qid = qa['question_id']
        seen[qid] = seen.get(qid, 0) + 1
        if seen[qid] > 1:
            qa['question_id'] = f'{qid}_{seen[qid]}'
            renamed.append(qid)
    taken = {qa['question_id'] for _, _, qa in entries}
    if len(taken) != len(entries):
        raise AnnotationError(f'{source}: renumbering repeated (video, qid) '
                              'pairs did not give unique question ids')
    if renamed:
        print_log(
            f'{source}: {len(renamed)} row(s) repeat the (video, qid) of an '
            f'earlier row with another question ({", ".join(renamed[:5])}'
            f'{", ..." if len(renamed) > 5 else ""}); all are kept, the '
            'repeats as <video>_<qid>_<k>', logger='current',
            level=logging.WARNING)
    return len(renamed)


class _NExTBase(VideoQABaseDataset):
    """Shared csv + video map reading.

    Args:
        data_root: Folder with ``{split}.csv`` and the map file.
        split: ``train``, ``val`` or ``test``.
        video_dir: Video root relative to ``data_root`` (the map's values are
            relative to it).
        map_file: The video map, relative to ``data_root``.
        video_ext: Video file extension.
        **kwargs: See :class:`VideoQABaseDataset`.
    """

    DATA_DOC = 'docs/datasets/nextqa.md'
    FIELDS: Dict = dict(video=int, question=str, qid=int, type=str)

    def __init__(self, data_root: str, split: str = 'train',
                 video_dir: str = 'NExTVideo',
                 map_file: str = 'map_vid_vidorID.json',
                 video_ext: str = '.mp4', **kwargs) -> None:
        self.video_dir = video_dir
        self.map_file = map_file
        self.video_ext = video_ext
        super().__init__(data_root, split, **kwargs)

    def make_qa(self, row: dict, csv_path: str, index: int) -> dict:
        """The qa dict of one csv row."""
        raise NotImplementedError

    def load_questions(self) -> List[QuestionEntry]:
        csv_path = self.path(f'{self.split}.csv')
        rows = load_csv_records(csv_path, self.FIELDS, self.DATA_DOC)
        map_path = self.path(self.map_file)
        video_map = load_json(map_path, self.DATA_DOC)
        if not isinstance(video_map, dict):
            raise AnnotationError(f'{map_path}: expected an object mapping '
                                  'video ids to paths')
        root = require_dir(self.path(self.video_dir), self.DATA_DOC)
        entries = []
        for i, row in enumerate(rows):
            video = str(row['video'])
            if video not in video_map:
                raise AnnotationError(f'{csv_path}: record {i}: video '
                                      f'{video} is not in {map_path}')
            path = os.path.normpath(
                os.path.join(root, video_map[video] + self.video_ext))
            entries.append((video, path, self.make_qa(row, csv_path, i)))
        number_repeated_ids(entries, csv_path)
        return entries


@DATASETS.register_module()
class NExTQADataset(_NExTBase):
    """NExT-QA multiple choice (5 options, ``answer`` = correct index).

    Each qa carries ``candidates`` (the 5 options), ``gt_label`` (the index)
    and ``answer`` (the correct option's text).
    """

    METAINFO = dict(type_names=NEXTQA_TYPES, dataset='NExT-QA')
    FIELDS = dict(_NExTBase.FIELDS, answer=int,
                  **{f'a{k}': str for k in range(NUM_OPTIONS)})

    def make_qa(self, row: dict, csv_path: str, index: int) -> dict:
        label = row['answer']
        if not 0 <= label < NUM_OPTIONS:
            raise AnnotationError(f'{csv_path}: record {index}: answer '
                                  f'{label} is not an option index 0-4')
        options = [row[f'a{k}'].strip() for k in range(NUM_OPTIONS)]
        return dict(question=row['question'].strip(),
                    question_id=f'{row["video"]}_{row["qid"]}',
                    answer=options[label], answer_type=row['type'].strip(),
                    candidates=options, gt_label=label)


@DATASETS.register_module()
class NExTOEDataset(_NExTBase):
    """NExT-OE open-ended QA.

    Args:
        extra_reference_file: ``{video: {qid: answer}}`` second references
            (``add_reference_answer_test.json``), read for the test split when
            present; they go to ``qa['extra_answers']``.
        **kwargs: See :class:`_NExTBase`.
    """

    METAINFO = dict(type_names=NEXTQA_TYPES, dataset='NExT-OE')
    FIELDS = dict(_NExTBase.FIELDS, answer=str)

    def __init__(self, data_root: str, split: str = 'train',
                 extra_reference_file: str = 'add_reference_answer_test.json',
                 **kwargs) -> None:
        self.extra_reference_file = extra_reference_file
        self._extra: Dict[str, Dict[str, str]] = {}
        super().__init__(data_root, split, **kwargs)

    def load_questions(self) -> List[QuestionEntry]:
        extra_path = self.path(self.extra_reference_file or '')
        if self.split == 'test' and self.extra_reference_file and \
                os.path.isfile(extra_path):
            self._extra = load_json(extra_path, self.DATA_DOC)
        return super().load_questions()

    def make_qa(self, row: dict, csv_path: str, index: int) -> dict:
        qa = dict(question=row['question'].strip(),
                  question_id=f'{row["video"]}_{row["qid"]}',
                  answer=row['answer'].strip(),
                  answer_type=row['type'].strip())
        extra = self._extra.get(str(row['video']), {}).get(str(row['qid']))
        if extra:
            qa['extra_answers'] = [extra]
        return qa
