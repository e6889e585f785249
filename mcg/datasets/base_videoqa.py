"""What every video-QA loader shares: file checks, grouping questions by
video, and the test-time handling of unreadable videos.

A video that cannot be read at test time must neither stop the evaluation nor
be swapped for another video (the official ALPRO/MCG loaders substitute a
random one). :class:`UnreadableVideoGuard` turns it into a placeholder item: a
zero clip of the configured shape whose data samples carry
``video_error=<reason>`` in their metainfo, so the metrics count those
questions as wrong and list the videos.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dataset import BaseDataset

from mcg.registry import TRANSFORMS
from .text_files import AnnotationError
from .transforms.loading import VideoReadError

#: ``(video_id, video_path, qa)``: one question and where its video is.
QuestionEntry = Tuple[str, str, dict]


def require_file(path: str, doc: str, what: str = 'annotation file') -> str:
    """Return ``path`` or raise a FileNotFoundError naming it and the doc."""
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f'{what} {path} not found; see {doc} for how to prepare the '
            'data, or set data_root in the config '
            '(--cfg-options data_root=/path/to/data).')
    return path


def require_dir(path: str, doc: str, what: str = 'video folder') -> str:
    """Return ``path`` or raise a FileNotFoundError naming it and the doc."""
    if not os.path.isdir(path):
        raise FileNotFoundError(f'{what} {path} not found; see {doc}.')
    return path


def first_existing(candidates: Iterable[str]) -> Optional[str]:
    """The first path in ``candidates`` that exists (file or folder)."""
    for path in candidates:
        if os.path.exists(path):
            return path
    return None


def check_unique_ids(entries: Sequence[QuestionEntry], source: str) -> None:
    """Raise AnnotationError on a repeated ``question_id``.

    Metrics de-duplicate by question id, so a repeated id would silently drop
    a question from the denominator.
    """
    seen: Dict[str, int] = {}
    for i, (_, _, qa) in enumerate(entries):
        qid = qa['question_id']
        if qid in seen:
            raise AnnotationError(
                f'{source}: record {i}: question id {qid!r} repeats record '
                f'{seen[qid]}')
        seen[qid] = i


def group_questions(entries: Iterable[QuestionEntry],
                    group_by_video: bool) -> List[dict]:
    """Turn question entries into dataset items.

    Args:
        entries: ``(video_id, video_path, qa)`` in file order.
        group_by_video: One item per video holding all its questions (the
            video is decoded once), else one item per question.

    Returns:
        Items ``dict(video_id, video_path, qa=[...])``.
    """
    groups: 'OrderedDict[Tuple[str, str], List[dict]]' = OrderedDict()
    items = []
    for video_id, path, qa in entries:
        if group_by_video:
            groups.setdefault((video_id, path), []).append(qa)
        else:
            items.append(dict(video_id=video_id, video_path=path, qa=[qa]))
    items.extend(dict(video_id=v, video_path=p, qa=qas)
                 for (v, p), qas in groups.items())
    return items


def infer_clip_shape(transforms: Sequence[Callable]
                     ) -> Optional[Tuple[int, int, int]]:
    """Guess (T, H, W) of the clips a pipeline produces.

    T is the first ``num_frames`` attribute (the frame sampler); H, W come
    from the last resize (``scale``) or else the decode-time size.

    Returns:
        ``(T, H, W)``, or None when the pipeline does not fix them.
    """
    num_frames = next((t.num_frames for t in transforms
                       if isinstance(getattr(t, 'num_frames', None), int)),
                      None)
    size = None
    for t in transforms:
        scale = getattr(t, 'scale', None)
        if scale is not None:
            size = (scale[1], scale[0])
        elif getattr(t, 'width', -1) > 0 and getattr(t, 'height', -1) > 0:
            size = size or (t.height, t.width)
    if num_frames is None or size is None:
        return None
    return (num_frames, size[0], size[1])


class UnreadableVideoGuard:
    """Wrap a test pipeline: a :class:`VideoReadError` yields a placeholder.

    The placeholder is packed by the pipeline's last transform (the packer),
    from a zero clip, so its data samples look like real ones plus the
    ``video_error`` metainfo.

    Args:
        pipeline: The composed pipeline (has ``transforms``).
        clip_shape: ``(T, H, W)`` of the zero clip; None infers it from the
            pipeline (:func:`infer_clip_shape`).
    """

    def __init__(self, pipeline: Callable,
                 clip_shape: Optional[Sequence[int]] = None) -> None:
        self.pipeline = pipeline
        self.transforms = list(getattr(pipeline, 'transforms', []))
        self.clip_shape = (tuple(clip_shape) if clip_shape is not None else
                           infer_clip_shape(self.transforms))

    def __call__(self, data_info: dict) -> dict:
        try:
            return self.pipeline(dict(data_info))
        except VideoReadError as exc:
            return self.placeholder(data_info, exc.reason)

    def placeholder(self, data_info: dict, reason: str) -> dict:
        """The packed zero-clip item for an unreadable video."""
        if not self.transforms:
            raise RuntimeError('cannot build a placeholder without a packer')
        if self.clip_shape is None:
            raise ValueError(
                f'video {data_info.get("video_path")} is unreadable '
                f'({reason}) and the placeholder clip shape cannot be '
                'inferred from the pipeline; set placeholder_shape=(T, H, W) '
                'on the dataset')
        num_frames, height, width = self.clip_shape
        results = dict(data_info,
                       imgs=np.zeros((num_frames, height, width, 3), np.uint8),
                       frame_inds=np.full(num_frames, -1, np.int64),
                       video_error=reason)
        packed = self.transforms[-1](results)
        samples = packed['data_samples']
        for sample in (samples if isinstance(samples, (list, tuple))
                       else [samples]):
            sample.set_metainfo(dict(video_error=reason))
        return packed


class VideoQABaseDataset(BaseDataset):
    """Base of the video-QA loaders: subclasses only list their questions.

    Args:
        data_root: Dataset folder.
        split: Split name as the subclass understands it.
        group_by_video: One item per video with all its questions (default),
            or one item per question.
        pipeline: Transform configs (built from mcg's ``TRANSFORMS``).
        test_mode: Evaluation mode: unreadable videos become flagged
            placeholder items instead of errors (see ``report_unreadable``).
        report_unreadable: In test mode, turn an unreadable video into a
            zero-clip item flagged ``video_error`` (counted wrong and listed
            by the metric; default); False stops the evaluation at it.
        placeholder_shape: ``(T, H, W)`` of placeholder clips; None infers it
            from the pipeline.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    #: Data preparation doc named in missing-file errors.
    DATA_DOC = 'docs/datasets'

    def __init__(self, data_root: str, split: str = 'train',
                 group_by_video: bool = True, pipeline: Sequence = (),
                 test_mode: bool = False, report_unreadable: bool = True,
                 placeholder_shape: Optional[Sequence[int]] = None,
                 **kwargs) -> None:
        self.split = split
        self.group_by_video = group_by_video
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t
                    for t in pipeline]
        super().__init__(data_root=data_root, pipeline=pipeline,
                         test_mode=test_mode, **kwargs)
        if test_mode and report_unreadable and pipeline:
            self.pipeline = UnreadableVideoGuard(self.pipeline,
                                                 placeholder_shape)

    def load_questions(self) -> List[QuestionEntry]:
        """Return ``(video_id, video_path, qa)`` for every question."""
        raise NotImplementedError

    def load_data_list(self) -> List[dict]:
        return group_questions(self.load_questions(), self.group_by_video)

    def path(self, *parts: str) -> str:
        """A path under ``data_root``."""
        return os.path.join(self.data_root, *parts)

    @property
    def num_questions(self) -> int:
        """Number of questions (items may hold several)."""
        return sum(len(self.get_data_info(i)['qa']) for i in range(len(self)))
