"""MSRVTT-QA and MSVD-QA (Xu et al. 2017), in both released formats.

* ``jsonl``: the ClipBERT/ALPRO/MCG files ``txt/{split}.jsonl`` with
  ``answer, question, video_id`` (a file stem) and usually ``answer_type``.
* ``original``: the xudejing release ``{split}_qa.json`` with
  ``answer, id, question, video_id`` (an int: ``video<id>.mp4`` for MSRVTT,
  ``vid<id>`` mapped to a YouTubeClips file through ``youtube_mapping.txt``
  for MSVD).

The question type is the first word of the question (what, who, how, when,
where) when the file does not give it. Question ids are ``<split>_<n>``
(line number for jsonl, the release ``id`` for json), stable across runs,
unlike ALPRO/MCG's load-order counters.
"""
from __future__ import annotations

import os
import re
from typing import Dict, List, Optional

from mcg.registry import DATASETS
from .annotation_io import load_json_records, load_jsonl_records
from .base_videoqa import (QuestionEntry, VideoQABaseDataset,
                           check_unique_ids, require_dir, require_file)
from .text_files import AnnotationError, iter_lines

#: Table III's column order.
MSRVTT_TYPES = ('what', 'who', 'how', 'when', 'where')


def question_type(question: str) -> str:
    """First word of the question if it is a Table III type, else 'other'."""
    match = re.match(r'\s*([a-zA-Z]+)', question)
    word = match.group(1).lower() if match else ''
    return word if word in MSRVTT_TYPES else 'other'


@DATASETS.register_module()
class MSRVTTQADataset(VideoQABaseDataset):
    """MSRVTT-QA in the jsonl or the original json format.

    Args:
        data_root: Dataset folder.
        split: ``train``, ``val`` or ``test``.
        fmt: ``'jsonl'``, ``'original'`` or ``'auto'`` (jsonl if
            ``txt/{split}.jsonl`` exists, else ``{split}_qa.json``).
        video_dir: Video folder relative to ``data_root``.
        video_ext: Video file extension.
        **kwargs: See :class:`VideoQABaseDataset` (``group_by_video``,
            ``pipeline``, ``test_mode``, ``placeholder_shape``...).
    """

    DATA_DOC = 'docs/datasets/msrvttqa.md'
    METAINFO = dict(type_names=MSRVTT_TYPES, dataset='MSRVTT-QA')
    JSONL_FIELDS = dict(answer=str, question=str, video_id=str)
    ORIGINAL_FIELDS = dict(answer=str, id=int, question=str, video_id=int)

    def __init__(self, data_root: str, split: str = 'train',
                 fmt: str = 'auto', video_dir: str = 'videos',
                 video_ext: str = '.mp4', **kwargs) -> None:
        if fmt not in ('auto', 'jsonl', 'original'):
            raise ValueError(f"fmt must be 'auto', 'jsonl' or 'original', "
                             f'got {fmt!r}')
        self.fmt = fmt
        self.video_dir = video_dir
        self.video_ext = video_ext
        super().__init__(data_root, split, **kwargs)

    def original_video_stem(self, video_id: int) -> str:
        """File stem of an original-format integer ``video_id``."""
        return f'video{video_id}'

    def resolve_format(self) -> str:
        """The annotation format present for this split."""
        if self.fmt != 'auto':
            return self.fmt
        jsonl = self.path('txt', f'{self.split}.jsonl')
        original = self.path(f'{self.split}_qa.json')
        if os.path.isfile(jsonl):
            return 'jsonl'
        if os.path.isfile(original):
            return 'original'
        raise FileNotFoundError(
            f'neither {jsonl} nor {original} found; see {self.DATA_DOC} for '
            'how to prepare the data, or set data_root in the config.')

    def load_questions(self) -> List[QuestionEntry]:
        fmt = self.resolve_format()
        folder = require_dir(self.path(self.video_dir), self.DATA_DOC)
        entries = []
        if fmt == 'jsonl':
            source = self.path('txt', f'{self.split}.jsonl')
            records = load_jsonl_records(source, self.JSONL_FIELDS,
                                         self.DATA_DOC)
            for i, rec in enumerate(records):
                qid = f'{self.split}_{i}'
                entries.append(self._entry(folder, rec['video_id'], qid, rec))
        else:
            source = require_file(self.path(f'{self.split}_qa.json'),
                                  self.DATA_DOC)
            for rec in load_json_records(source, self.ORIGINAL_FIELDS,
                                         self.DATA_DOC):
                stem = self.original_video_stem(rec['video_id'])
                qid = f'{self.split}_{rec["id"]}'
                entries.append(self._entry(folder, stem, qid, rec))
        check_unique_ids(entries, source)
        return entries

    def _entry(self, folder: str, stem: str, qid: str,
               rec: dict) -> QuestionEntry:
        qtype = rec.get('answer_type') or question_type(rec['question'])
        qa = dict(question=rec['question'].strip(), question_id=qid,
                  answer=rec['answer'], answer_type=str(qtype).lower())
        return stem, os.path.join(folder, stem + self.video_ext), qa


@DATASETS.register_module()
class MSVDQADataset(MSRVTTQADataset):
    """MSVD-QA: as MSRVTT-QA, with ``.avi`` YouTubeClips.

    Args:
        video_ext: Default ``'.avi'``.
        mapping_file: For the original format, the ``youtube_mapping.txt``
            lines ``<clip stem> vid<n>`` (relative to ``data_root``); None
            uses ``vid<n>`` as the file stem.
        **kwargs: See :class:`MSRVTTQADataset`.
    """

    DATA_DOC = 'docs/datasets/msvdqa.md'
    METAINFO = dict(type_names=MSRVTT_TYPES, dataset='MSVD-QA')

    def __init__(self, data_root: str, split: str = 'train',
                 video_ext: str = '.avi',
                 mapping_file: Optional[str] = 'youtube_mapping.txt',
                 **kwargs) -> None:
        self.mapping_file = mapping_file
        self._stems: Optional[Dict[str, str]] = None
        super().__init__(data_root, split, video_ext=video_ext, **kwargs)

    def original_video_stem(self, video_id: int) -> str:
        if self.mapping_file is None:
            return f'vid{video_id}'
        if self._stems is None:
            self._stems = read_youtube_mapping(
                require_file(self.path(self.mapping_file), self.DATA_DOC,
                             'MSVD mapping file'))
        key = f'vid{video_id}'
        if key not in self._stems:
            raise AnnotationError(f'{self.path(self.mapping_file)} has no '
                                  f'line for {key}')
        return self._stems[key]


def read_youtube_mapping(path: str) -> Dict[str, str]:
    """``vid<n>`` -> YouTubeClips stem, from ``youtube_mapping.txt``."""
    stems = {}
    for line_no, line in enumerate(iter_lines(path), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2:
            raise AnnotationError(f'{path}:{line_no}: expected '
                                  f'"<clip> vid<n>", got {line.strip()!r}')
        stems[parts[1]] = parts[0]
    return stems
