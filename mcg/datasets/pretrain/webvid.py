"""WebVid-2M in its released csv format."""
from __future__ import annotations

import os
from typing import List, Optional, Sequence

from mmengine.dataset import BaseDataset

from mcg.datasets.text_files import (AnnotationError, csv_header,
                                     read_csv_rows)
from mcg.registry import DATASETS, TRANSFORMS
from .records import (CAPTION_PROMPT, caption_item, clean_caption,
                      require_file)

WEBVID_COLUMNS = ('videoid', 'name', 'page_dir')


@DATASETS.register_module()
class WebVidDataset(BaseDataset):
    """WebVid-2M caption pairs from ``results_2M_{train,val}.csv``.

    Columns ``videoid, name, page_dir, duration, contentUrl`` (``name`` is the
    caption); videos are found at ``<data_root>/<video_dir>/<page_dir>/
    <videoid><video_ext>`` (the Frozen-in-Time download layout).

    Args:
        data_root: Dataset folder.
        ann_file: The csv, relative to ``data_root``.
        video_dir: Video folder, relative to ``data_root``.
        video_ext: Video file extension.
        max_words: Drop captions longer than this many words (ALPRO drops
            long captions); None keeps all.
        skip_missing: Drop rows whose video file is absent (partial
            downloads); False keeps them, and reading one fails loudly.
        lm_prompt: The generator's question for the captions.
        pipeline: Transform configs.
        test_mode: Evaluation mode.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self, data_root: str,
                 ann_file: str = 'results_2M_train.csv',
                 video_dir: str = 'videos', video_ext: str = '.mp4',
                 max_words: Optional[int] = None, skip_missing: bool = False,
                 lm_prompt: str = CAPTION_PROMPT,
                 pipeline: Sequence = (), test_mode: bool = False,
                 **kwargs) -> None:
        self.video_dir = video_dir
        self.video_ext = video_ext
        self.max_words = max_words
        self.skip_missing = skip_missing
        self.lm_prompt = lm_prompt
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t
                    for t in pipeline]
        super().__init__(data_root=data_root, ann_file=ann_file,
                         pipeline=pipeline, test_mode=test_mode, **kwargs)

    def load_data_list(self) -> List[dict]:
        require_file(self.ann_file, 'WebVid annotation file')
        data_list = []
        missing = [c for c in WEBVID_COLUMNS
                   if c not in csv_header(self.ann_file)]
        if missing:
            raise AnnotationError(
                f'{self.ann_file}: missing columns {missing}; expected '
                f'the WebVid csv header {list(WEBVID_COLUMNS)} + ...')
        for _, row in read_csv_rows(self.ann_file, required=WEBVID_COLUMNS):
            caption = clean_caption(row['name'])
            if not caption or (self.max_words and
                               len(caption.split()) > self.max_words):
                continue
            path = os.path.join(self.data_root, self.video_dir,
                                row['page_dir'],
                                row['videoid'] + self.video_ext)
            if self.skip_missing and not os.path.isfile(path):
                continue
            data_list.append(caption_item(row['videoid'], path, [caption],
                                          lm_prompt=self.lm_prompt))
        return data_list
