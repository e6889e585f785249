"""Tests for the ShapesQA synthetic dataset generator."""
import collections
import csv
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from mcg.datasets.shapesqa import (ANSWER_VOCAB, ANSWERS_BY_TYPE, MC_HEADER, QUESTION_VOCAB,
                                   generate_shapesqa, render_frames, sample_scene)
from mcg.datasets.shapesqa.questions import COUNT_WORDS, make_questions
from mcg.datasets.shapesqa.scene import COLORS, OBJ, position, quadrant, relation
from mcg.datasets.shapesqa.writer import encode_video

decord = pytest.importorskip('decord')

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPLITS = ('train', 'val', 'test')
# Error of the 2x2 centre-block mean over all 1,600 demo clips (libx264):
# max 12, p99 6. Palette colours differ from each other and from white by
# >= 60 levels in some channel, so this cannot confuse two colours.
TOL = 12


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('shapesqa_tiny'))
    start = time.perf_counter()
    summary = generate_shapesqa(out, preset='tiny', seed=0)
    summary['elapsed'] = time.perf_counter() - start
    return summary


def _load(out, name):
    with open(os.path.join(out, name), encoding='utf-8') as f:
        return json.load(f)


def _meta_by_name(out):
    meta = _load(out, 'synthetic_meta.json')['videos']
    return {name: {o['name']: o for o in v['objects']} for name, v in meta.items()}, meta


def _centre(frames, obj, t):
    """Mean colour of the 2x2 block at the object's centre in frame t."""
    x, y = position(obj, t)
    cy, cx = y + OBJ // 2, x + OBJ // 2
    return frames[t, cy - 1:cy + 1, cx - 1:cx + 1].reshape(4, 3).mean(0)


def test_tiny_layout_and_speed(tiny):
    out = tiny['out_dir']
    # Spec asks for well under 1 s; 3 s leaves room for a loaded CI machine.
    assert tiny['elapsed'] < 3.0
    assert tiny['num_videos'] == {'train': 6, 'val': 2, 'test': 2}
    assert tiny['codec'] in ('libx264', 'mpeg4')
    videos = sorted(os.listdir(os.path.join(out, 'videos')))
    assert len(videos) == 10
    assert 'v_syntr00005.mp4' in videos and 'v_synva00001.mp4' in videos
    assert 'v_synte00000.mp4' in videos
    for split in SPLITS:
        qs, ans = _load(out, f'{split}_q.json'), _load(out, f'{split}_a.json')
        assert len(qs) == len(ans) == 9 * tiny['num_videos'][split]
        assert set(qs[0]) == {'video_name', 'question', 'question_id'}
        assert set(ans[0]) == {'answer', 'type', 'question_id'}
        per_video = collections.defaultdict(list)
        for q, a in zip(qs, ans):
            assert q['question_id'] == a['question_id']
            per_video[q['video_name']].append(a['type'])
            assert q['question_id'] == f"v_{q['video_name']}_{a['type'] + 1}"
            assert q['question'] == q['question'].lower() and '?' not in q['question']
            assert set(q['question'].split()) <= set(QUESTION_VOCAB)
            assert a['answer'] in ANSWERS_BY_TYPE[a['type']]
            assert 1 <= len(a['answer'].split()) <= 2
        assert all(types == list(range(9)) for types in per_video.values())


def test_vocabularies():
    assert len(ANSWER_VOCAB) == len(set(ANSWER_VOCAB)) == 47
    assert len(QUESTION_VOCAB) == len(set(QUESTION_VOCAB)) == 37
    assert ANSWERS_BY_TYPE[7] == ('3', '4', '5', '6')
    assert COLORS == {'red': (230, 25, 75), 'green': (60, 180, 75), 'blue': (0, 130, 200),
                      'yellow': (255, 225, 25)}
    assert set(ANSWERS_BY_TYPE[6]) == {'top left', 'top right', 'bottom left', 'bottom right'}


def test_answers_match_scene_ground_truth(tiny):
    out = tiny['out_dir']
    by_name, meta = _meta_by_name(out)
    for split in SPLITS:
        for q, a in zip(_load(out, f'{split}_q.json'), _load(out, f'{split}_a.json')):
            objs, words = by_name[q['video_name']], q['question'].split()
            roles = collections.defaultdict(list)
            for o in objs.values():
                roles[o['role']].append(o)
            if a['type'] == 0:
                mover = objs[' '.join(words[3:5])]
                assert mover['role'] == 'P' and a['answer'] == f"moving {mover['direction']}"
            elif a['type'] == 1:
                x, s = objs[' '.join(words[3:5])], objs[' '.join(words[-2:])]
                assert s['role'] == 'S' and x['role'] == ('E' if roles['E'] else 'L')
                assert a['answer'] == relation(x['cell'], s['cell'])
            elif a['type'] == 2:
                expected = roles['L'][0]['name'] if roles['L'] else 'nothing'
                assert a['answer'] == expected
            elif a['type'] == 6:
                target = objs[' '.join(words[3:5])]
                assert target['role'] == ('L' if roles['L'] else 'E')
                assert a['answer'] == quadrant(target['cell'])
            elif a['type'] == 7:
                assert a['answer'] == str(len(objs))
    for video in meta.values():
        combos = [(o['color'], o['shape']) for o in video['objects']]
        assert len(combos) == len(set(combos))
        rels = [relation(o['cell'], video['objects'][1]['cell'])
                for o in video['objects'] if o['role'] in 'EL']
        assert rels[0] in ('left', 'right', 'above', 'below')


def test_decoded_frames_match_rendering(tiny):
    out = tiny['out_dir']
    meta = _load(out, 'synthetic_meta.json')['videos']
    for name, scene in meta.items():
        vr = decord.VideoReader(os.path.join(out, 'videos', f'v_{name}.mp4'))
        assert len(vr) == 16
        decoded = vr.get_batch(list(range(16))).asnumpy().astype(int)
        rendered = render_frames(scene).astype(int)
        half = 8
        for obj in scene['objects']:
            rgb = np.array(COLORS[obj['color']])
            for t in range(16):
                got = _centre(decoded, obj, t)
                assert np.abs(got - _centre(rendered, obj, t)).max() <= TOL, (name, obj, t)
                visible = obj['frames'][0] <= t < obj['frames'][1]
                assert visible == {'E': t < half, 'L': t >= half}.get(obj['role'], True)
                if visible:
                    assert np.abs(got - rgb).max() <= TOL
                elif not any(o['cell'] == obj['cell'] and o['role'] in 'EL' and o is not obj
                             for o in scene['objects']):
                    # Hidden and nothing else in this cell: white background.
                    assert got.min() >= 255 - TOL


def test_same_seed_is_byte_identical(tiny, tmp_path):
    again = generate_shapesqa(str(tmp_path / 'a'), preset='tiny', seed=0)
    other = generate_shapesqa(str(tmp_path / 'b'), preset='tiny', seed=1)
    names = [f'{s}_{k}.json' for s in SPLITS for k in 'qa'] + ['synthetic_meta.json']
    names += [os.path.join('mc', f'{s}.csv') for s in SPLITS] + ['mc/map_vid_vidorID.json']
    for name in names:
        with open(os.path.join(tiny['out_dir'], name), 'rb') as f:
            ref = f.read()
        with open(os.path.join(again['out_dir'], name), 'rb') as f:
            assert f.read() == ref, name
    for name in ('train_a.json', 'train_q.json', 'synthetic_meta.json'):
        with open(os.path.join(tiny['out_dir'], name), 'rb') as f1, \
                open(os.path.join(other['out_dir'], name), 'rb') as f2:
            assert f1.read() != f2.read(), name


def test_mc_csv(tiny):
    out = tiny['out_dir']
    by_name, meta = _meta_by_name(out)
    id_to_name = {v['video_id']: n for n, v in meta.items()}
    vid_map = _load(out, 'mc/map_vid_vidorID.json')
    assert vid_map['100000005'] == 'videos/v_syntr00005'
    assert vid_map['100000006'] == 'videos/v_synva00000'
    assert all(os.path.isfile(os.path.join(out, p + '.mp4')) for p in vid_map.values())
    indices = []
    for split in SPLITS:
        with open(os.path.join(out, 'mc', f'{split}.csv'), encoding='utf-8', newline='') as f:
            header = f.readline().rstrip('\n')
            rows = list(csv.reader(f))
        assert header == ','.join(MC_HEADER)
        assert header == 'video,frame_count,width,height,question,answer,qid,type,a0,a1,a2,a3,a4'
        for row in rows:
            rec = dict(zip(MC_HEADER, row))
            name = id_to_name[int(rec['video'])]
            objs = by_name[name]
            options = row[8:13]
            idx = int(rec['answer'])
            indices.append(idx)
            assert 0 <= idx <= 4 and len(set(options)) == 5
            assert (rec['frame_count'], rec['width'], rec['height']) == ('16', '64', '64')
            correct = options[idx]
            words = rec['question'].split()
            if rec['type'] == 'DC':
                assert correct == COUNT_WORDS[len(objs) - 2]
            elif rec['type'] == 'DL':
                assert correct == quadrant(objs[' '.join(words[3:5])]['cell'])
            elif rec['type'] == 'TC':
                assert correct == f"moving {objs[' '.join(words[3:5])]['direction']}"
            elif rec['type'] == 'DO':
                role = 'L' if 'later' in words else 'E'
                assert correct == next(o['color'] for o in objs.values() if o['role'] == role)
        types = [r[7] for r in rows]
        assert types == ['TN', 'TP', 'TC', 'CH', 'DC', 'DL', 'DO'] * tiny['num_videos'][split]
    assert set(indices) == {0, 1, 2, 3, 4}


def test_stress_short_videos(tmp_path):
    summary = generate_shapesqa(str(tmp_path), preset='stress', num_frames=4,
                                num_videos={'train': 3, 'val': 1, 'test': 1}, write_mc=False)
    assert not os.path.exists(tmp_path / 'mc')
    meta = _load(str(tmp_path), 'synthetic_meta.json')
    assert meta['params']['num_frames'] == 4 and summary['num_videos']['train'] == 3
    for name, scene in meta['videos'].items():
        vr = decord.VideoReader(str(tmp_path / 'videos' / f'v_{name}.mp4'))
        assert len(vr) == 4
        decoded = vr.get_batch([3, 0, 2, 1]).asnumpy().astype(int)[[1, 3, 2, 0]]
        rendered = render_frames(scene).astype(int)
        for obj in scene['objects']:
            assert obj['frames'] == {'E': [0, 2], 'L': [2, 4]}.get(obj['role'], [0, 4])
            for t in range(4):
                assert np.abs(_centre(decoded, obj, t) - _centre(rendered, obj, t)).max() <= TOL
    with pytest.raises(ValueError):
        generate_shapesqa(str(tmp_path / 'bad'), preset='stress', num_frames=1)
    with pytest.raises(ValueError):
        generate_shapesqa(str(tmp_path / 'bad'), preset='nope')


def test_answer_statistics_match_spec():
    # Pure sampling (no encoding): checks the spec's expected majority rates.
    counts = collections.defaultdict(collections.Counter)
    words = set()
    for i in range(4000):
        scene = sample_scene(np.random.default_rng([123, i, 0]))
        for q, a, t in make_questions(scene, np.random.default_rng([123, i, 1])):
            counts[t][a] += 1
            words.update(q.split())
    rate = {t: {a: n / 4000 for a, n in c.items()} for t, c in counts.items()}
    assert sorted(words) == sorted(QUESTION_VOCAB)
    assert {a for c in counts.values() for a in c} == set(ANSWER_VOCAB)
    assert abs(rate[2]['nothing'] - 0.20) < 0.03
    assert abs(rate[7]['4'] - 1 / 3) < 0.03 and abs(rate[7]['5'] - 1 / 3) < 0.03
    assert abs(rate[8]['moves'] - 0.283) < 0.03
    assert abs(rate[3]['yes'] - 0.5) < 0.03
    for t in (0, 1, 4, 5, 6):
        assert max(rate[t].values()) < 0.25 + 0.03, t


def test_mpeg4_fallback_decodes(tmp_path):
    scene = sample_scene(np.random.default_rng(7))
    frames = render_frames(scene)
    path = str(tmp_path / 'clip.mp4')
    assert encode_video(frames, path, codec='mpeg4') == 'mpeg4'
    vr = decord.VideoReader(path)
    assert len(vr) == 16
    decoded = vr.get_batch(list(range(16))).asnumpy().astype(int)
    for obj in scene['objects']:
        for t in range(obj['frames'][0], obj['frames'][1]):
            assert np.abs(_centre(decoded, obj, t) - np.array(COLORS[obj['color']])).max() <= TOL


def test_encoding_is_repeatable(tmp_path):
    # Same build + same frames -> same bytes (x264 MB-tree broke this).
    for i in range(20):
        frames = render_frames(sample_scene(np.random.default_rng([99, i])))
        blobs = []
        for k in range(2):
            path = str(tmp_path / f'{i}_{k}.mp4')
            encode_video(frames, path)
            with open(path, 'rb') as f:
                blobs.append(f.read())
        assert blobs[0] == blobs[1], i


def test_cli_never_imports_parent_packages(tmp_path):
    # A copy whose parent packages refuse to import: the CLI must load the
    # generator standalone (they may import torch in the real tree).
    root = tmp_path / 'repo'
    shutil.copytree(os.path.join(REPO_ROOT, 'mcg', 'datasets', 'shapesqa'),
                    root / 'mcg' / 'datasets' / 'shapesqa')
    shutil.copytree(os.path.join(REPO_ROOT, 'tools', 'data'), root / 'tools' / 'data')
    for init in (root / 'mcg' / '__init__.py', root / 'mcg' / 'datasets' / '__init__.py'):
        init.write_text("raise ImportError('parent package imported')\n")
    out = tmp_path / 'out'
    code = ('import runpy, sys; sys.argv = sys.argv[1:]; '
            'runpy.run_path(sys.argv[0], run_name="__main__"); '
            'assert "torch" not in sys.modules and "mcg" not in sys.modules')
    cmd = [sys.executable, '-c', code, str(root / 'tools' / 'data' / 'make_shapesqa.py'),
           '--out', str(out), '--preset', 'stress', '--num-videos', '130', '1', '1',
           '--num-frames', '6', '--workers', '2', '--seed', '3']
    proc = subprocess.run(cmd, cwd=str(tmp_path), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert 'ShapesQA[stress]' in proc.stdout and 'videos=130/1/1' in proc.stdout
    assert len(os.listdir(out / 'videos')) == 132
    assert len(_load(str(out), 'train_q.json')) == 130 * 9
