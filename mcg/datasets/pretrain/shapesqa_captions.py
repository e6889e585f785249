"""Captions of ShapesQA clips, written from the scene ground truth."""
from __future__ import annotations

import os
import random
from typing import Dict, List, Optional, Sequence

from mmengine.dataset import BaseDataset

from mcg.datasets.shapesqa.scene import relation
from mcg.datasets.text_files import read_json
from mcg.registry import DATASETS, TRANSFORMS
from .records import CAPTION_PROMPT, caption_item, require_file

_RELATION_WORDS = {'left': 'left of', 'right': 'right of', 'above': 'above',
                   'below': 'below'}


def describe_scene(scene: Dict) -> str:
    """One caption per scene: motion, appearance order, a relation, count.

    E.g. ``"the red triangle moves down. the red diamond disappears and then
    the blue triangle appears. the red diamond is below the blue diamond.
    6 objects appear"``.

    Args:
        scene: A scene of ``synthetic_meta.json``.

    Returns:
        The caption (lower case, sentences joined by ``'. '``).
    """
    roles: Dict[str, List[Dict]] = {r: [] for r in 'PSELD'}
    for obj in scene['objects']:
        roles[obj['role']].append(obj)
    mover, still = roles['P'][0], roles['S'][0]
    early = roles['E'][0] if roles['E'] else None
    late = roles['L'][0] if roles['L'] else None
    parts = [f"the {mover['name']} moves {mover['direction']}"]
    if early and late:
        parts.append(f"the {early['name']} disappears and then the "
                     f"{late['name']} appears")
    elif early:
        parts.append(f"the {early['name']} disappears")
    else:
        parts.append(f"the {late['name']} appears")
    partner = early or late
    rel = relation(partner['cell'], still['cell'])
    if rel is not None:
        parts.append(f"the {partner['name']} is {_RELATION_WORDS[rel]} the "
                     f"{still['name']}")
    parts.append(f"{len(scene['objects'])} objects appear")
    return '. '.join(parts)


@DATASETS.register_module()
class ShapesQACaptionDataset(BaseDataset):
    """ShapesQA clips with captions, standing in for WebVid-2M on CPU.

    Two sources:

    * ``ann_file`` set: the captions-only pre-training corpus written by
      ``make_shapesqa.py --pretrain`` (``pretrain/train_captions.json``, or
      ``pretrain/retrieval_captions.json`` for the held-out clips), whose
      scenes are disjoint from every QA split;
    * ``ann_file=None``: one caption from :func:`describe_scene` for each
      clip of a QA ``split`` (the clips of the QA data itself).

    Args:
        data_root: ShapesQA folder.
        split: QA split to caption when ``ann_file`` is None.
        ann_file: Caption file (``[{"video_name", "captions"}]``), relative
            to ``data_root``.
        captions_per_clip: With several captions per clip, how many an item
            carries, drawn anew at each access (None: all of them).
        meta_file: Scene file, relative to ``data_root``.
        video_dir: Video folder, relative to ``data_root``.
        lm_prompt: The generator's question for the captions.
        pipeline: Transform configs.
        test_mode: Evaluation mode (the first captions, no random draw).
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self, data_root: str, split: str = 'train',
                 ann_file: Optional[str] = None,
                 captions_per_clip: Optional[int] = None,
                 meta_file: str = 'synthetic_meta.json',
                 video_dir: str = 'videos',
                 lm_prompt: str = CAPTION_PROMPT, pipeline: Sequence = (),
                 test_mode: bool = False, **kwargs) -> None:
        self.split = split
        self.caption_file = ann_file
        self.captions_per_clip = captions_per_clip
        self.meta_file = meta_file
        self.video_dir = video_dir
        self.lm_prompt = lm_prompt
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t
                    for t in pipeline]
        super().__init__(data_root=data_root, pipeline=pipeline,
                         test_mode=test_mode, **kwargs)

    def load_data_list(self) -> List[dict]:
        folder = os.path.join(self.data_root, self.video_dir)
        if self.caption_file:
            path = os.path.join(self.data_root, self.caption_file)
            require_file(path, 'ShapesQA caption file')
            records = read_json(path)
            return [caption_item(r['video_name'],
                                 os.path.join(folder, f"v_{r['video_name']}.mp4"),
                                 r['captions'], lm_prompt=self.lm_prompt)
                    for r in records]
        path = os.path.join(self.data_root, self.meta_file)
        require_file(path, 'ShapesQA scene file')
        videos = read_json(path)['videos']
        return [caption_item(name, os.path.join(folder, f'v_{name}.mp4'),
                             [describe_scene(scene)],
                             lm_prompt=self.lm_prompt)
                for name, scene in videos.items()
                if scene['split'] == self.split]

    def get_data_info(self, idx: int) -> dict:
        """The item, with ``captions_per_clip`` of its captions."""
        info = super().get_data_info(idx)
        keep = self.captions_per_clip
        if keep is not None and len(info['qa']) > keep:
            info['qa'] = (info['qa'][:keep] if self.test_mode
                          else random.sample(info['qa'], keep))
        return info
