"""The per-question data sample."""
from __future__ import annotations

from mmengine.structures import BaseDataElement


class VideoQADataSample(BaseDataElement):
    """One question about one video, with its ground truth and prediction.

    Metainfo fields (set by the pipeline): ``question``, ``question_id``,
    ``video_id``, ``answer_type``, ``sample_idx`` (index of the dataset item
    the question came from; questions grouped by video share it) and
    ``video_index`` (row of the batch's clip tensor, set at collation).

    Data fields: ``gt_answer`` (str), ``candidates`` (list of str, multiple
    choice), ``gt_label`` (int), ``pred_answer`` (str), ``pred_label`` (int)
    and ``pred_scores`` (list of float). Plain attributes, so that
    ``to_dict()`` (what metrics receive) keeps these names.
    """
