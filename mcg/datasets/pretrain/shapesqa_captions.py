"""Captions of ShapesQA clips, written from the scene ground truth."""
from __future__ import annotations

import json
import os
from typing import Dict, List, Sequence

from mmengine.dataset import BaseDataset

from mcg.datasets.shapesqa.scene import relation
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
    """ShapesQA clips with a caption from :func:`describe_scene`.

    The caption/video pairs of the ShapesQA pre-training variant, standing in
    for WebVid-2M on CPU.

    Args:
        data_root: ShapesQA folder (with ``synthetic_meta.json``).
        split: Which split's clips to caption.
        meta_file: Scene file, relative to ``data_root``.
        video_dir: Video folder, relative to ``data_root``.
        lm_prompt: The generator's question for the captions.
        pipeline: Transform configs.
        test_mode: Evaluation mode.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self, data_root: str, split: str = 'train',
                 meta_file: str = 'synthetic_meta.json',
                 video_dir: str = 'videos',
                 lm_prompt: str = CAPTION_PROMPT, pipeline: Sequence = (),
                 test_mode: bool = False, **kwargs) -> None:
        self.split = split
        self.meta_file = meta_file
        self.video_dir = video_dir
        self.lm_prompt = lm_prompt
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t
                    for t in pipeline]
        super().__init__(data_root=data_root, pipeline=pipeline,
                         test_mode=test_mode, **kwargs)

    def load_data_list(self) -> List[dict]:
        path = os.path.join(self.data_root, self.meta_file)
        require_file(path, 'ShapesQA scene file')
        with open(path, encoding='utf-8') as f:
            videos = json.load(f)['videos']
        folder = os.path.join(self.data_root, self.video_dir)
        return [caption_item(name, os.path.join(folder, f'v_{name}.mp4'),
                             [describe_scene(scene)],
                             lm_prompt=self.lm_prompt)
                for name, scene in videos.items()
                if scene['split'] == self.split]
