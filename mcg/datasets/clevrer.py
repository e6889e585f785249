"""CLEVRER (``{train,validation,test}.json`` + ``video_<split>`` mp4 folders).

Descriptive questions are open-ended. Explanatory, predictive and
counterfactual questions are multiple choice where every choice is judged
``correct``/``wrong`` on its own (several may be correct), so each choice
becomes one binary question: text ``"<question> <choice>"``, candidates
``['wrong', 'correct']``, ``gt_label`` 1 when the choice is correct, and
``mc_question_id`` naming the question it belongs to (the metric needs it for
per-question accuracy; pack it with ``PackVideoQAInputs(meta_keys=
['mc_question_id'])``).
"""
from __future__ import annotations

import os
from typing import List, Optional, Sequence

from mcg.registry import DATASETS
from .annotation_io import check_fields, load_json
from .base_videoqa import (QuestionEntry, VideoQABaseDataset,
                           check_unique_ids, first_existing, require_dir)
from .text_files import AnnotationError

CLEVRER_TYPES = ('descriptive', 'explanatory', 'predictive', 'counterfactual')
OPTION_CANDIDATES = ('wrong', 'correct')
SPLIT_NAMES = dict(train='train', val='validation', validation='validation',
                   test='test')


def video_path(video_root: str, scene_index: int) -> str:
    """``video_<lo>-<hi>/video_<id>.mp4`` in blocks of 1,000 scenes."""
    low = scene_index // 1000 * 1000
    return os.path.join(video_root, f'video_{low:05d}-{low + 1000:05d}',
                        f'video_{scene_index:05d}.mp4')


@DATASETS.register_module()
class CLEVRERDataset(VideoQABaseDataset):
    """CLEVRER questions of all four types.

    Args:
        data_root: Folder with the question json files and video folders.
        split: ``train``, ``val``/``validation`` or ``test`` (no answers: its
            questions carry no ground truth).
        video_dir: Video root relative to ``data_root``; default
            ``video_<split>``.
        question_types: Types to load (default all four).
        **kwargs: See :class:`VideoQABaseDataset`.
    """

    DATA_DOC = 'docs/datasets/clevrer.md'
    METAINFO = dict(type_names=CLEVRER_TYPES, dataset='CLEVRER')
    SCENE_FIELDS = dict(scene_index=int, questions=list)
    QUESTION_FIELDS = dict(question_id=int, question=str, question_type=str)
    CHOICE_FIELDS = dict(choice_id=int, choice=str)

    def __init__(self, data_root: str, split: str = 'validation',
                 video_dir: Optional[str] = None,
                 question_types: Sequence[str] = CLEVRER_TYPES,
                 **kwargs) -> None:
        if split not in SPLIT_NAMES:
            raise ValueError(f'split must be one of {sorted(SPLIT_NAMES)}, '
                             f'got {split!r}')
        self.file_split = SPLIT_NAMES[split]
        self.video_dir = video_dir or f'video_{self.file_split}'
        self.question_types = tuple(question_types)
        super().__init__(data_root, split, **kwargs)

    def load_questions(self) -> List[QuestionEntry]:
        source = self.path(f'{self.file_split}.json')
        scenes = load_json(source, self.DATA_DOC)
        if not isinstance(scenes, list):
            raise AnnotationError(f'{source}: expected a list of scenes')
        root = require_dir(self.path(self.video_dir), self.DATA_DOC)
        entries = []
        for i, scene in enumerate(scenes):
            check_fields(scene, self.SCENE_FIELDS, f'{source}: record {i}')
            index = scene['scene_index']
            path = video_path(root, index)
            if scene.get('video_filename'):
                flat = os.path.join(root, scene['video_filename'])
                path = first_existing((path, flat)) or path
            for k, q in enumerate(scene['questions']):
                where = f'{source}: record {i}: question {k}'
                check_fields(q, self.QUESTION_FIELDS, where)
                if q['question_type'] not in CLEVRER_TYPES:
                    raise AnnotationError(f'{where}: unknown question_type '
                                          f'{q["question_type"]!r}')
                if q['question_type'] in self.question_types:
                    entries.extend((str(index), path, qa)
                                   for qa in self.make_qas(index, q, where))
        check_unique_ids(entries, source)
        return entries

    def make_qas(self, index: int, q: dict, where: str) -> List[dict]:
        """One qa for a descriptive question, one per choice otherwise."""
        qid = f'{index}_{q["question_id"]}'
        text = q['question'].strip()
        if q['question_type'] == 'descriptive':
            return [dict(question=text, question_id=qid,
                         answer=q.get('answer'), answer_type='descriptive')]
        if not isinstance(q.get('choices'), list) or not q['choices']:
            raise AnnotationError(f'{where}: multiple-choice question '
                                  'without choices')
        qas = []
        for c, choice in enumerate(q['choices']):
            check_fields(choice, self.CHOICE_FIELDS, f'{where}: choice {c}')
            qa = dict(question=f'{text} {choice["choice"].strip()}',
                      question_id=f'{qid}_{choice["choice_id"]}',
                      mc_question_id=qid, answer_type=q['question_type'],
                      candidates=list(OPTION_CANDIDATES))
            verdict = choice.get('answer')
            if verdict is not None:
                if verdict not in OPTION_CANDIDATES:
                    raise AnnotationError(
                        f'{where}: choice {c}: answer should be "correct" '
                        f'or "wrong", got {verdict!r}')
                qa.update(answer=verdict,
                          gt_label=OPTION_CANDIDATES.index(verdict))
            qas.append(qa)
        return qas
