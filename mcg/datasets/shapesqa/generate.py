"""Top-level ShapesQA generator: scenes -> mp4 files + annotation files.

Layout written under ``out_dir``::

    train_q.json train_a.json val_q.json val_a.json test_q.json test_a.json
    videos/v_<video_name>.mp4
    synthetic_meta.json
    mc/{train,val,test}.csv  mc/map_vid_vidorID.json   (unless write_mc=False)

The MC map values are relative to ``out_dir`` (e.g. ``"videos/v_syntr00042"``),
i.e. the NExT-QA video root is ``out_dir`` itself and the clips are shared
with the ActivityNet-QA layout.
"""
from __future__ import annotations

import csv
import json
import os
from typing import Any, Callable

import numpy as np

# `from .x import y`, never `from . import x`: the latter goes through
# __import__('mcg....') and imports the top-level package, which the torch-free
# CLI loader (tools/data/make_shapesqa.py) must avoid.
from .scene import (CANVAS, CELL, COLORS, FPS, MARGIN, MAX_DISTRACTORS, OBJ, SHAPES,
                    sample_scene, speed_for)
from .questions import MC_HEADER, make_mc_questions, make_questions
from .pretrain_corpus import CORPUS_PRESETS, corpus_scenes, scene_key, write_corpus
from .writer import default_codec, write_videos

GENERATOR_VERSION = '1.0.0'
SPLITS = ('train', 'val', 'test')
SPLIT_PREFIX = {'train': 'syntr', 'val': 'synva', 'test': 'synte'}
VIDEO_ID_BASE = 100_000_000
PRESETS: dict[str, dict[str, int]] = {
    'tiny': {'train': 6, 'val': 2, 'test': 2},
    'demo': {'train': 1200, 'val': 200, 'test': 200},
    # Defaults only; stress exists to be overridden (counts, num_frames).
    'stress': {'train': 16, 'val': 4, 'test': 4},
}
# Independent streams per video, so e.g. write_mc never changes the scenes.
_STREAM_SCENE, _STREAM_OPEN, _STREAM_MC = 0, 1, 2


def _rng(seed: int, split: str, index: int, stream: int) -> np.random.Generator:
    # SeedSequence over integers only: stable across processes and Python
    # versions, unlike hash().
    return np.random.default_rng([seed, SPLITS.index(split), index, stream])


def _dump_json(obj: Any, path: str) -> None:
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        json.dump(obj, f, ensure_ascii=True)


def _resolve_counts(preset: str, num_videos: dict[str, int] | None) -> dict[str, int]:
    if preset not in PRESETS:
        raise ValueError(f'unknown preset {preset!r}; choose from {sorted(PRESETS)}')
    counts = dict(PRESETS[preset])
    for split, n in (num_videos or {}).items():
        if split not in counts:
            raise ValueError(f'unknown split {split!r} in num_videos')
        if int(n) < 0 or int(n) > 99_999:
            raise ValueError(f'num_videos[{split!r}]={n} outside 0..99999 (5-digit names)')
        counts[split] = int(n)
    return counts


def generate_shapesqa(out_dir: str, preset: str = 'demo', seed: int = 0,
                      num_videos: dict | None = None, num_frames: int = 16,
                      write_mc: bool = True, workers: int = 1,
                      pretrain: bool | tuple[int, int] = False,
                      progress: Callable[[int, int], None] | None = None
                      ) -> dict:
    """Generate the ShapesQA dataset.

    Args:
        out_dir: Output directory (created if needed; existing files with the
            same names are overwritten, others are left alone).
        preset: 'tiny' (6/2/2 videos), 'demo' (1200/200/200) or 'stress'
            (16/4/4 by default, meant to be overridden).
        seed: Non-negative dataset seed; equal seeds give byte-identical
            JSON/CSV files.
        num_videos: Optional per-split overrides, e.g. ``{'train': 50}``.
        num_frames: Frames per clip T (2..53); E is visible in [0, T//2),
            L in [T//2, T).
        write_mc: Also write the NExT-QA style multiple-choice files in
            ``out_dir/mc``.
        workers: Encoder processes.
        pretrain: Also write the captions-only pre-training corpus
            (:mod:`.pretrain_corpus`) from scenes disjoint from the QA
            splits: True takes the preset's (pre-training, held-out) clip
            counts (``CORPUS_PRESETS``), a pair sets them. False leaves the
            QA output exactly as without the corpus.
        progress: Called as ``progress(clips_written, total_clips)`` while
            the videos are encoded.

    Returns:
        Summary dict with ``out_dir``, ``preset``, ``seed``, ``num_frames``,
        ``codec``, ``num_videos``, ``num_questions``, ``num_mc_questions``,
        ``num_pretrain`` (corpus clips per split, empty without it),
        ``video_bytes`` and ``paths`` (annotation, meta, video, MC and corpus
        paths).
    """
    counts = _resolve_counts(preset, num_videos)
    if int(seed) < 0:
        raise ValueError('seed must be non-negative')
    speed_for(num_frames)  # validates num_frames early
    video_dir = os.path.join(out_dir, 'videos')
    os.makedirs(video_dir, exist_ok=True)

    jobs: list[tuple[str, dict[str, Any]]] = []
    meta_videos: dict[str, Any] = {}
    mc_rows: dict[str, list[list[Any]]] = {s: [] for s in SPLITS}
    vid_map: dict[str, str] = {}
    num_questions: dict[str, int] = {}
    paths: dict[str, Any] = {'videos': video_dir}
    global_index = 0
    for split in SPLITS:
        q_records, a_records = [], []
        for index in range(counts[split]):
            name = f'{SPLIT_PREFIX[split]}{index:05d}'
            video_id = VIDEO_ID_BASE + global_index
            global_index += 1
            scene = sample_scene(_rng(seed, split, index, _STREAM_SCENE), num_frames)
            jobs.append((os.path.join(video_dir, f'v_{name}.mp4'), scene))
            meta_videos[name] = {'split': split, 'video_id': video_id, **scene}
            qa = make_questions(scene, _rng(seed, split, index, _STREAM_OPEN))
            for code, (question, answer, type_code) in enumerate(qa):
                qid = f'v_{name}_{code + 1}'
                q_records.append({'video_name': name, 'question': question, 'question_id': qid})
                a_records.append({'answer': answer, 'type': type_code, 'question_id': qid})
            if write_mc:
                vid_map[str(video_id)] = f'videos/v_{name}'
                for item in make_mc_questions(scene, _rng(seed, split, index, _STREAM_MC)):
                    mc_rows[split].append([video_id, num_frames, CANVAS, CANVAS,
                                           item['question'], item['answer'], item['qid'],
                                           item['type'], *item['options']])
        for kind, records in (('q', q_records), ('a', a_records)):
            path = os.path.join(out_dir, f'{split}_{kind}.json')
            _dump_json(records, path)
            paths[f'{split}_{kind}'] = path
        num_questions[split] = len(q_records)

    num_pretrain: dict[str, int] = {}
    if pretrain:
        train_n, heldout_n = CORPUS_PRESETS[preset] if pretrain is True else pretrain
        num_pretrain = {'train': int(train_n), 'retrieval': int(heldout_n)}
        qa_keys = [scene_key(v) for v in meta_videos.values()]
        corpus = corpus_scenes(num_pretrain, seed, num_frames, exclude=qa_keys)
        jobs.extend((os.path.join(video_dir, f'v_{name}.mp4'), scene)
                    for name, scene in corpus.items())
        paths.update({f'pretrain_{k}': v
                      for k, v in write_corpus(out_dir, corpus, seed).items()})

    codec = default_codec()
    video_bytes = write_videos(jobs, workers=workers, codec=codec,
                               progress=progress)

    meta = {
        'generator': 'mcg.datasets.shapesqa',
        'version': GENERATOR_VERSION,
        'seed': int(seed),
        'preset': preset,
        'params': {
            'num_videos': counts, 'num_frames': int(num_frames), 'fps': FPS,
            'canvas': CANVAS, 'cell': CELL, 'object_size': OBJ, 'margin': MARGIN,
            'speed': speed_for(num_frames), 'colors': {k: list(v) for k, v in COLORS.items()},
            'shapes': list(SHAPES), 'presence_probs': {'E+L': 0.6, 'E': 0.2, 'L': 0.2},
            'max_distractors': MAX_DISTRACTORS, 'video_id_base': VIDEO_ID_BASE,
            'mc_video_root': '.', 'write_mc': bool(write_mc),
        },
        'videos': meta_videos,
    }
    paths['meta'] = os.path.join(out_dir, 'synthetic_meta.json')
    _dump_json(meta, paths['meta'])

    num_mc = 0
    if write_mc:
        mc_dir = os.path.join(out_dir, 'mc')
        os.makedirs(mc_dir, exist_ok=True)
        for split in SPLITS:
            path = os.path.join(mc_dir, f'{split}.csv')
            with open(path, 'w', encoding='utf-8', newline='') as f:
                writer = csv.writer(f, lineterminator='\n')
                writer.writerow(MC_HEADER)
                writer.writerows(mc_rows[split])
            paths[f'mc_{split}'] = path
            num_mc += len(mc_rows[split])
        paths['mc_map'] = os.path.join(mc_dir, 'map_vid_vidorID.json')
        _dump_json(vid_map, paths['mc_map'])

    return {
        'out_dir': out_dir, 'preset': preset, 'seed': int(seed), 'num_frames': int(num_frames),
        'codec': codec, 'num_videos': counts, 'num_questions': num_questions,
        'num_mc_questions': num_mc, 'num_pretrain': num_pretrain,
        'video_bytes': int(video_bytes), 'paths': paths,
    }
