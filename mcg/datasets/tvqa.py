"""TVQA (``jayleicn/TVQA``), visual only: 5-way multiple choice over 3 fps
frame folders. Subtitles are not read (the paper's Table IX setting).
"""
from __future__ import annotations

import math
import os
import re
from typing import List, Optional, Tuple, Union

from mcg.registry import DATASETS
from .annotation_io import load_jsonl_records
from .base_videoqa import (QuestionEntry, VideoQABaseDataset,
                           check_unique_ids, first_existing, require_dir)
from .text_files import AnnotationError

NUM_OPTIONS = 5
SPLIT_FILES = dict(train='tvqa_train.jsonl', val='tvqa_val.jsonl',
                   test='tvqa_test_public.jsonl')
#: TVQA's frame extraction rate.
FPS = 3
#: Longest moment window, in frames (TVQA's preprocessing cap).
MAX_WINDOW = 300
#: ``vid_name`` prefix -> show, as in the release (``show_name`` field). The
#: Big Bang Theory clips carry no prefix and live in ``bbt_frames``.
SHOW_PREFIXES = {'castle': 'Castle', 'friends': 'Friends',
                 'grey': "Grey's Anatomy", 'house': 'House M.D.',
                 'met': 'How I Met You Mother'}
# Two-part episodes carry an episode range: friends_s02e12-13_seg02_clip_31.
_EPISODE = re.compile(r'^(?:(%s)_)?s\d+e\d+(?:-\d+)?_seg\d+_clip_\d+$'
                      % '|'.join(SHOW_PREFIXES))


def show_folder(vid_name: str) -> Optional[str]:
    """The show's frame folder of a clip, None for a non-TVQA name.

    ``met_s06e22_seg01_clip_02`` -> ``met_frames``,
    ``friends_s02e12-13_seg02_clip_31`` -> ``friends_frames`` and the
    prefix-less ``s03e21_seg02_clip_08`` (The Big Bang Theory) ->
    ``bbt_frames``.
    """
    match = _EPISODE.match(vid_name)
    if not match:
        return None
    return f'{match.group(1) or "bbt"}_frames'


def parse_ts(ts: Union[str, float, None]
             ) -> Optional[Tuple[float, float]]:
    """``"1.21-8.49"`` -> (1.21, 8.49); NaN, empty or malformed -> None."""
    if isinstance(ts, float) and math.isnan(ts):
        return None
    match = re.match(r'^\s*(\d+(?:\.\d*)?)\s*-\s*(\d+(?:\.\d*)?)\s*$',
                     str(ts))
    if not match:
        return None
    start, end = float(match.group(1)), float(match.group(2))
    return (start, end) if end >= start else None


def moment_window(ts: Union[str, float, None]
                  ) -> Optional[Tuple[int, int]]:
    """Frames of the localised moment, padded by one second each side."""
    span = parse_ts(ts)
    if span is None:
        return None
    start = max(0, int(math.floor((span[0] - 1) * FPS)))
    stop = int(math.ceil((span[1] + 1) * FPS))
    return start, min(stop, start + MAX_WINDOW)


@DATASETS.register_module()
class TVQADataset(VideoQABaseDataset):
    """TVQA questions with their frame folders.

    Args:
        data_root: Folder with the ``tvqa_*.jsonl`` files.
        split: ``train``, ``val`` or ``test`` (``tvqa_test_public.jsonl``,
            which has no answers: its questions carry no ``gt_label``).
        frame_dir: Frame root relative to ``data_root``; a clip is
            ``<frame_dir>/<show>_frames/<vid_name>/`` or
            ``<frame_dir>/<vid_name>/``.
        use_ts: Sample only inside the question's ``ts`` moment (padded by
            1 s); needs one question per item, so it turns off
            ``group_by_video``. NaN ``ts`` uses the whole clip.
        **kwargs: See :class:`VideoQABaseDataset`.
    """

    DATA_DOC = 'docs/datasets/tvqa.md'
    METAINFO = dict(dataset='TVQA')
    FIELDS = dict(q=str, qid=int, vid_name=str,
                  **{f'a{k}': str for k in range(NUM_OPTIONS)})

    def __init__(self, data_root: str, split: str = 'val',
                 frame_dir: str = 'frames_hq', use_ts: bool = False,
                 **kwargs) -> None:
        if split not in SPLIT_FILES:
            raise ValueError(f'split must be one of {sorted(SPLIT_FILES)}, '
                             f'got {split!r}')
        self.frame_dir = frame_dir
        self.use_ts = use_ts
        if use_ts:
            kwargs['group_by_video'] = False
        super().__init__(data_root, split, **kwargs)

    def clip_folder(self, root: str, vid_name: str) -> str:
        """The frame folder of a clip: ``<show>_frames/<vid_name>`` or
        ``<vid_name>`` (the show layout when neither exists; only the flat
        one for names outside TVQA's naming)."""
        flat = os.path.join(root, vid_name)
        show = show_folder(vid_name)
        if show is None:
            return flat
        nested = os.path.join(root, show, vid_name)
        return first_existing((nested, flat)) or nested

    def load_questions(self) -> List[QuestionEntry]:
        source = self.path(SPLIT_FILES[self.split])
        records = load_jsonl_records(source, self.FIELDS, self.DATA_DOC)
        root = require_dir(self.path(self.frame_dir), self.DATA_DOC,
                           'frame folder')
        entries = []
        for i, rec in enumerate(records):
            options = [rec[f'a{k}'].strip() for k in range(NUM_OPTIONS)]
            qa = dict(question=rec['q'].strip(), question_id=str(rec['qid']),
                      answer_type='all', candidates=options)
            label = rec.get('answer_idx')
            if label is not None:
                if not isinstance(label, int) or not 0 <= label < NUM_OPTIONS:
                    raise AnnotationError(
                        f'{source}: record {i}: answer_idx {label!r} is not '
                        'an option index 0-4')
                qa.update(gt_label=label, answer=options[label])
            if self.use_ts:
                qa['frame_window'] = moment_window(rec.get('ts'))
            entries.append((rec['vid_name'],
                            self.clip_folder(root, rec['vid_name']), qa))
        check_unique_ids(entries, source)
        return entries

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        if self.use_ts:
            # One question per item: its moment window drives the sampler.
            info['frame_window'] = info['qa'][0].get('frame_window')
        return info
