"""Conceptual Captions (CC3M) image-text pairs."""
from __future__ import annotations

import csv
import os
from typing import List, Sequence

from mmengine.dataset import BaseDataset

from mcg.datasets.text_files import AnnotationError, iter_lines, read_json
from mcg.registry import DATASETS, TRANSFORMS
from .records import (CAPTION_PROMPT, caption_item, clean_caption,
                      require_file)


@DATASETS.register_module()
class CC3MDataset(BaseDataset):
    """CC3M pairs; each image becomes a static clip (``LoadImageAsClip``).

    Two annotation formats, told apart by the file extension:

    * ``.json``: ALPRO's ``cc3m.json``, a list of ``{"image": path,
      "caption": str or [str, ...]}``; relative image paths are resolved
      against ``<data_root>/<image_dir>``. Several captions of one image
      become several texts of one clip.
    * ``.tsv``: the official headerless ``caption<TAB>url`` files
      (``Train_GCC-training.tsv``); the image of row ``i`` (0-based) is
      ``<data_root>/<image_dir>/<image_name.format(index=i)>``, by default
      ``000000123.jpg``, as written by img2dataset with files output.

    Args:
        data_root: Dataset folder.
        ann_file: Annotation file, relative to ``data_root``.
        image_dir: Image folder, relative to ``data_root``.
        image_name: File-name pattern of the tsv rows' images.
        skip_missing: Drop pairs whose image file is absent (dead links are
            common in CC3M); False keeps them and reading one fails loudly.
        lm_prompt: The generator's question for the captions.
        pipeline: Transform configs.
        test_mode: Evaluation mode.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self, data_root: str, ann_file: str = 'cc3m.json',
                 image_dir: str = 'images',
                 image_name: str = '{index:09d}.jpg',
                 skip_missing: bool = False,
                 lm_prompt: str = CAPTION_PROMPT, pipeline: Sequence = (),
                 test_mode: bool = False, **kwargs) -> None:
        self.image_dir = image_dir
        self.image_name = image_name
        self.skip_missing = skip_missing
        self.lm_prompt = lm_prompt
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t
                    for t in pipeline]
        super().__init__(data_root=data_root, ann_file=ann_file,
                         pipeline=pipeline, test_mode=test_mode, **kwargs)

    def _pairs(self):
        """Yield ``(image_path, [captions])`` from either format."""
        folder = os.path.join(self.data_root, self.image_dir)
        if self.ann_file.endswith('.tsv'):
            # Row i (blank lines included) is image i, so rows are counted
            # here rather than taken from read_csv_rows.
            for i, row in enumerate(csv.reader(iter_lines(self.ann_file),
                                               delimiter='\t')):
                if not row:
                    continue
                yield (os.path.join(folder,
                                    self.image_name.format(index=i)),
                       [row[0]])
            return
        records = read_json(self.ann_file)
        if not isinstance(records, list):
            raise AnnotationError(f'{self.ann_file}: expected a JSON list')
        for i, rec in enumerate(records):
            if not isinstance(rec, dict) or 'image' not in rec \
                    or 'caption' not in rec:
                raise AnnotationError(f'{self.ann_file}: record {i} needs '
                                      '"image" and "caption"')
            captions = rec['caption']
            if isinstance(captions, str):
                captions = [captions]
            yield os.path.join(folder, rec['image']), list(captions)

    def load_data_list(self) -> List[dict]:
        require_file(self.ann_file, 'CC3M annotation file')
        data_list = []
        for path, captions in self._pairs():
            captions = [c for c in map(clean_caption, captions) if c]
            if not captions or (self.skip_missing
                                and not os.path.isfile(path)):
                continue
            image_id = os.path.splitext(os.path.basename(path))[0]
            data_list.append(caption_item(image_id, path, captions,
                                          path_key='image_path',
                                          lm_prompt=self.lm_prompt))
        return data_list
