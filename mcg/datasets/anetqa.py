"""ActivityNet-QA in its released format (``{split}_q.json``/``{split}_a.json``)."""
from __future__ import annotations

import os
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

from mmengine.dataset import BaseDataset

from mcg.registry import DATASETS, TRANSFORMS
from .text_files import AnnotationError, read_json

#: Display names of the ActivityNet-QA type codes 0-8.
ANETQA_TYPES = ('Motion', 'Spatial Rel.', 'Temporal Rel.', 'Yes/No', 'Color',
                'Object', 'Location', 'Number', 'Other')
DATA_DOC = 'docs/datasets/anetqa.md'


def load_json_records(path: str, fields: Dict[str, type]) -> List[dict]:
    """Load a JSON list and check every record's required fields.

    Args:
        path: JSON file holding a list of dicts.
        fields: Required field name -> expected type.

    Returns:
        The records.

    Raises:
        FileNotFoundError: The file does not exist (names the data doc).
        AnnotationError: The file is not valid JSON (file, line, column),
            or a record lacks a field or has the wrong type; the
            message gives the file, the record index and the field.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f'annotation file {path} not found; see {DATA_DOC} for how to '
            'prepare the data, or set data_root in the config '
            '(--cfg-options data_root=/path/to/data).')
    records = read_json(path)
    if not isinstance(records, list):
        raise AnnotationError(f'{path}: expected a JSON list of records, got '
                              f'{type(records).__name__}')
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise AnnotationError(f'{path}: record {i} is not an object')
        for name, typ in fields.items():
            if name not in rec:
                raise AnnotationError(
                    f'{path}: record {i}: missing field {name!r}')
            if not isinstance(rec[name], typ) or isinstance(rec[name], bool):
                raise AnnotationError(
                    f'{path}: record {i}: field {name!r} should be '
                    f'{typ.__name__}, got {type(rec[name]).__name__} '
                    f'({rec[name]!r})')
    return records


@DATASETS.register_module()
class ActivityNetQADataset(BaseDataset):
    """ActivityNet-QA (and ShapesQA, written in the same format).

    Args:
        data_root: Folder with the annotation files and the video folder.
        split: ``train``, ``val`` or ``test``.
        video_dir: Video folder, relative to ``data_root``.
        video_exts: Extensions tried for ``v_<video_name>``.
        group_by_video: One item per video holding all its questions, so the
            video is decoded and encoded once (default). False gives one item
            per question.
        pipeline: Transform configs (built from mcg's ``TRANSFORMS``).
        test_mode: Evaluation mode (no refetching of failed samples).
        report_unreadable: In test mode, turn an unreadable video into a
            zero-clip item flagged ``video_error`` (counted wrong and listed
            by the metric) instead of raising (default, as the other
            loaders do; False stops the evaluation at such a video).
        placeholder_shape: ``(T, H, W)`` of that clip; None infers it.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO = dict(type_names=ANETQA_TYPES)
    Q_FIELDS = dict(video_name=str, question=str, question_id=str)
    A_FIELDS = dict(answer=str, type=int, question_id=str)

    def __init__(self, data_root: str, split: str = 'train',
                 video_dir: str = 'videos',
                 video_exts: Sequence[str] = ('.mp4', '.mkv', '.webm'),
                 group_by_video: bool = True, pipeline: Sequence = (),
                 test_mode: bool = False, report_unreadable: bool = True,
                 placeholder_shape: Optional[Sequence[int]] = None,
                 **kwargs) -> None:
        self.split = split
        self.video_dir = video_dir
        self.video_exts = tuple(video_exts)
        self.group_by_video = group_by_video
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t
                    for t in pipeline]
        super().__init__(data_root=data_root, pipeline=pipeline,
                         test_mode=test_mode, **kwargs)
        if test_mode and report_unreadable and pipeline:
            # Imported here: base_videoqa imports this module's helpers.
            from .base_videoqa import UnreadableVideoGuard
            self.pipeline = UnreadableVideoGuard(self.pipeline,
                                                 placeholder_shape)

    def video_path(self, video_name: str) -> str:
        """Path of ``v_<video_name>.<ext>`` (first existing extension)."""
        folder = os.path.join(self.data_root, self.video_dir)
        for stem in (f'v_{video_name}', video_name):
            for ext in self.video_exts:
                path = os.path.join(folder, stem + ext)
                if os.path.isfile(path):
                    return path
        # Reported as unreadable when loaded; keeps the question counted.
        return os.path.join(folder, f'v_{video_name}{self.video_exts[0]}')

    def load_data_list(self) -> List[dict]:
        q_path = os.path.join(self.data_root, f'{self.split}_q.json')
        a_path = os.path.join(self.data_root, f'{self.split}_a.json')
        questions = load_json_records(q_path, self.Q_FIELDS)
        answers = {a['question_id']: a for a in load_json_records(
            a_path, self.A_FIELDS)}
        video_folder = os.path.join(self.data_root, self.video_dir)
        if not os.path.isdir(video_folder):
            raise FileNotFoundError(
                f'video folder {video_folder} not found; see {DATA_DOC}.')
        groups: 'OrderedDict[str, List[dict]]' = OrderedDict()
        for i, q in enumerate(questions):
            if q['question_id'] not in answers:
                raise AnnotationError(
                    f'{q_path}: record {i}: question_id {q["question_id"]!r} '
                    f'has no answer in {a_path}')
            a = answers[q['question_id']]
            groups.setdefault(q['video_name'], []).append(dict(
                question=q['question'].strip(), question_id=q['question_id'],
                answer=a['answer'], answer_type=a['type']))
        data_list = []
        for name, qas in groups.items():
            info = dict(video_id=name, video_path=self.video_path(name))
            if self.group_by_video:
                data_list.append(dict(info, qa=qas))
            else:
                data_list.extend(dict(info, qa=[qa]) for qa in qas)
        return data_list

    @property
    def num_questions(self) -> int:
        """Number of questions (items may hold several)."""
        return sum(len(self.get_data_info(i)['qa']) for i in range(len(self)))
