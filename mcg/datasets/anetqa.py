"""ActivityNet-QA in its released format (``{split}_q.json``/``{split}_a.json``)."""
from __future__ import annotations

import os
from typing import List, Sequence

from mcg.registry import DATASETS
from .annotation_io import load_json_records
from .base_videoqa import (QuestionEntry, VideoQABaseDataset,
                           check_unique_ids, require_dir)
from .text_files import AnnotationError

#: Display names of the ActivityNet-QA type codes 0-8.
ANETQA_TYPES = ('Motion', 'Spatial Rel.', 'Temporal Rel.', 'Yes/No', 'Color',
                'Object', 'Location', 'Number', 'Other')


@DATASETS.register_module()
class ActivityNetQADataset(VideoQABaseDataset):
    """ActivityNet-QA (and ShapesQA, written in the same format).

    Args:
        data_root: Folder with the annotation files and the video folder.
        split: ``train``, ``val`` or ``test``.
        video_dir: Video folder, relative to ``data_root``.
        video_exts: Extensions tried for ``v_<video_name>``.
        **kwargs: See :class:`VideoQABaseDataset` (``group_by_video``,
            ``pipeline``, ``test_mode``, ``report_unreadable``,
            ``placeholder_shape``...).
    """

    DATA_DOC = 'docs/datasets/anetqa.md'
    METAINFO = dict(type_names=ANETQA_TYPES)
    Q_FIELDS = dict(video_name=str, question=str, question_id=str)
    A_FIELDS = dict(answer=str, type=int, question_id=str)

    def __init__(self, data_root: str, split: str = 'train',
                 video_dir: str = 'videos',
                 video_exts: Sequence[str] = ('.mp4', '.mkv', '.webm'),
                 **kwargs) -> None:
        self.video_dir = video_dir
        self.video_exts = tuple(video_exts)
        super().__init__(data_root, split, **kwargs)

    def video_path(self, video_name: str) -> str:
        """Path of ``v_<video_name>.<ext>`` (first existing extension)."""
        folder = self.path(self.video_dir)
        for stem in (f'v_{video_name}', video_name):
            for ext in self.video_exts:
                path = os.path.join(folder, stem + ext)
                if os.path.isfile(path):
                    return path
        # Reported as unreadable when loaded; keeps the question counted.
        return os.path.join(folder, f'v_{video_name}{self.video_exts[0]}')

    def load_questions(self) -> List[QuestionEntry]:
        q_path = self.path(f'{self.split}_q.json')
        a_path = self.path(f'{self.split}_a.json')
        questions = load_json_records(q_path, self.Q_FIELDS, self.DATA_DOC)
        answers = {a['question_id']: a for a in load_json_records(
            a_path, self.A_FIELDS, self.DATA_DOC)}
        require_dir(self.path(self.video_dir), self.DATA_DOC)
        entries = []
        for i, q in enumerate(questions):
            if q['question_id'] not in answers:
                raise AnnotationError(
                    f'{q_path}: record {i}: question_id {q["question_id"]!r} '
                    f'has no answer in {a_path}')
            a = answers[q['question_id']]
            entries.append((q['video_name'], self.video_path(q['video_name']),
                            dict(question=q['question'].strip(),
                                 question_id=q['question_id'],
                                 answer=a['answer'], answer_type=a['type'])))
        check_unique_ids(entries, q_path)
        return entries
