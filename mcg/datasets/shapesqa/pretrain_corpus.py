"""The ShapesQA captions-only pre-training corpus (the role of WebVid-2M).

Clips with captions and no questions, from scenes that are not scenes of any
QA split, written next to the QA data::

    pretrain/train_captions.json       [{"video_name", "captions": [...]}]
    pretrain/retrieval_captions.json   held-out clips, one caption each
    pretrain/meta.json                 {"videos": {name: {"split", scene}}}
    pretrain/vocab.json                the captions' words (generator list)
    videos/v_synpt<i>.mp4, videos/v_synrt<i>.mp4

Scenes are drawn from their own random streams; a draw that equals a QA
scene (or an earlier corpus scene) is redrawn, so no QA video, not even an
identical re-render, appears in pre-training or in the retrieval clips.
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterable

import numpy as np

from .captions import caption_vocab, make_caption, make_captions
from .scene import sample_scene

CORPUS_DIR = 'pretrain'
CORPUS_SPLITS = ('train', 'retrieval')
CORPUS_PREFIX = {'train': 'synpt', 'retrieval': 'synrt'}
# (pre-training clips, held-out retrieval clips) per ShapesQA preset.
CORPUS_PRESETS: dict[str, tuple[int, int]] = {
    'tiny': (24, 8), 'demo': (3000, 200), 'stress': (16, 4)}
# Random-stream ids far from the QA generator's (split index 0-2).
_STREAM_BASE = 100


def scene_key(scene: dict[str, Any]) -> str:
    """A canonical string of a scene's content (equal keys = equal videos)."""
    return json.dumps(scene['objects'], sort_keys=True)


def corpus_scenes(counts: dict[str, int], seed: int, num_frames: int,
                  exclude: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Draw the corpus scenes, none equal to an excluded or earlier one.

    Args:
        counts: Clips per corpus split (``train``, ``retrieval``).
        seed: Dataset seed.
        num_frames: Frames per clip.
        exclude: :func:`scene_key` of the scenes to avoid (the QA scenes).

    Returns:
        ``{video_name: {'split': split, **scene}}``.
    """
    seen = set(exclude)
    videos: dict[str, dict[str, Any]] = {}
    for code, split in enumerate(CORPUS_SPLITS):
        for index in range(counts.get(split, 0)):
            for attempt in range(100):
                rng = np.random.default_rng([seed, _STREAM_BASE + code, index, attempt])
                scene = sample_scene(rng, num_frames)
                if scene_key(scene) not in seen:
                    break
            else:  # pragma: no cover - the scene space is far larger
                raise RuntimeError('could not draw a new scene in 100 attempts')
            seen.add(scene_key(scene))
            videos[f'{CORPUS_PREFIX[split]}{index:05d}'] = {'split': split, **scene}
    return videos


def write_corpus(out_dir: str, videos: dict[str, dict[str, Any]], seed: int,
                 captions_per_clip: int = 5) -> dict[str, str]:
    """Write the caption files of :func:`corpus_scenes`' scenes.

    Args:
        out_dir: ShapesQA folder.
        videos: The corpus scenes.
        seed: Dataset seed (caption wording).
        captions_per_clip: Captions of each pre-training clip; held-out
            clips get one.

    Returns:
        The written paths by name.
    """
    folder = os.path.join(out_dir, CORPUS_DIR)
    os.makedirs(folder, exist_ok=True)
    records: dict[str, list] = {s: [] for s in CORPUS_SPLITS}
    for name, video in videos.items():
        rng = np.random.default_rng([seed, _STREAM_BASE + 10, int(name[5:]),
                                     CORPUS_SPLITS.index(video['split'])])
        if video['split'] == 'train':
            captions = make_captions(video, rng, captions_per_clip)
        else:
            captions = [make_caption(video, rng)]
        records[video['split']].append({'video_name': name, 'captions': captions})
    paths = {f'{s}_captions': os.path.join(folder, f'{s}_captions.json')
             for s in CORPUS_SPLITS}
    paths['meta'] = os.path.join(folder, 'meta.json')
    paths['vocab'] = os.path.join(folder, 'vocab.json')
    all_captions = [c for recs in records.values() for r in recs for c in r['captions']]
    contents = {paths['meta']: {'seed': int(seed), 'videos': videos},
                paths['vocab']: caption_vocab(all_captions)}
    contents.update({paths[f'{s}_captions']: records[s] for s in CORPUS_SPLITS})
    for path, obj in contents.items():
        with open(path, 'w', encoding='utf-8', newline='\n') as f:
            json.dump(obj, f, ensure_ascii=True)
    return paths
