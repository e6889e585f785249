"""The ShapesQA captions-only pre-training corpus (make_shapesqa.py --pretrain)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from mcg.datasets.shapesqa import generate_shapesqa, render_frames
from mcg.datasets.shapesqa.captions import make_caption, scene_facts
from mcg.datasets.shapesqa.pretrain_corpus import corpus_scenes, scene_key
from mcg.datasets.shapesqa.scene import quadrant

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope='module')
def corpus(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('shapesqa_corpus'))
    return generate_shapesqa(out, preset='tiny', seed=0, pretrain=True)


def _load(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def test_corpus_layout(corpus):
    out = corpus['out_dir']
    assert corpus['num_pretrain'] == {'train': 24, 'retrieval': 8}
    train = _load(corpus['paths']['pretrain_train_captions'])
    held = _load(corpus['paths']['pretrain_retrieval_captions'])
    assert len(train) == 24 and len(held) == 8
    assert all(len(r['captions']) >= 3 for r in train)
    assert all(len(r['captions']) == 1 for r in held)
    for r in train + held:
        assert os.path.isfile(os.path.join(out, 'videos', f"v_{r['video_name']}.mp4"))
    vocab = set(_load(corpus['paths']['pretrain_vocab']))
    words = {w for r in train + held for c in r['captions'] for w in c.replace('.', ' . ').split()}
    assert words == vocab and '.' in vocab   # the LM targets' full stops


def test_no_qa_video_in_pretraining(corpus):
    """No corpus clip is a QA clip: different names, different scenes, different pixels."""
    out = corpus['out_dir']
    qa = _load(os.path.join(out, 'synthetic_meta.json'))['videos']
    pre = _load(corpus['paths']['pretrain_meta'])['videos']
    assert not set(qa) & set(pre)
    qa_keys = {scene_key(s) for s in qa.values()}
    assert not qa_keys & {scene_key(s) for s in pre.values()}
    qa_frames = [render_frames(s) for s in qa.values()]
    for scene in pre.values():
        frames = render_frames(scene)
        assert not any(np.array_equal(frames, f) for f in qa_frames)
    used = set()
    for split in ('train', 'val', 'test'):
        used |= {q['video_name'] for q in _load(os.path.join(out, f'{split}_q.json'))}
    assert not used & set(pre)


def test_colliding_draws_are_redrawn():
    """A corpus draw equal to an excluded (QA) scene is replaced."""
    first = corpus_scenes({'train': 3}, seed=0, num_frames=16, exclude=())
    taken = [scene_key(s) for s in first.values()]
    again = corpus_scenes({'train': 3}, seed=0, num_frames=16, exclude=taken[:2])
    keys = [scene_key(s) for s in again.values()]
    assert not set(keys) & set(taken[:2])
    assert len(set(keys)) == 3


def test_qa_output_unchanged_by_the_corpus(corpus, tmp_path):
    plain = generate_shapesqa(str(tmp_path), preset='tiny', seed=0)
    for name in ('train_q.json', 'train_a.json', 'test_a.json', 'synthetic_meta.json'):
        assert _load(os.path.join(plain['out_dir'], name)) == \
            _load(os.path.join(corpus['out_dir'], name))


def test_captions_name_what_the_questions_ask(corpus):
    """Every fact of a scene is true of it, and the wording varies."""
    pre = _load(corpus['paths']['pretrain_meta'])['videos']
    scene = next(s for s in pre.values() if s['split'] == 'train')
    roles = {o['role']: o for o in scene['objects']}
    facts = scene_facts(scene)
    assert all(roles['P']['name'] in f and roles['P']['direction'] in f for f in facts[0])
    text = ' '.join(p for f in facts for p in f)
    for obj in scene['objects']:
        assert obj['name'] in text
    for role in 'SD':
        if role in roles:
            assert f"{roles[role]['name']}" in text and quadrant(roles[role]['cell']) in text
    assert str(len(scene['objects'])) in text
    rng = np.random.default_rng(0)
    captions = {make_caption(scene, rng) for _ in range(20)}
    assert len(captions) > 10


def test_cli_pretrain_option(tmp_path):
    out = str(tmp_path / 'd')
    res = subprocess.run(
        [sys.executable, os.path.join(REPO_ROOT, 'tools', 'data', 'make_shapesqa.py'),
         '--out', out, '--preset', 'tiny', '--num-pretrain', '5', '3', '--no-mc'],
        capture_output=True, text=True, check=True)
    assert "'retrieval': 3" in res.stdout
    assert len(_load(os.path.join(out, 'pretrain', 'train_captions.json'))) == 5


def test_caption_dataset_reads_the_corpus(corpus):
    from mcg.datasets.pretrain import ShapesQACaptionDataset
    ds = ShapesQACaptionDataset(corpus['out_dir'], ann_file='pretrain/train_captions.json',
                                captions_per_clip=1)
    assert len(ds) == 24
    seen = {ds.get_data_info(0)['qa'][0]['question'] for _ in range(30)}
    assert len(ds.get_data_info(0)['qa']) == 1 and len(seen) > 1
    held = ShapesQACaptionDataset(corpus['out_dir'], test_mode=True,
                                  ann_file='pretrain/retrieval_captions.json')
    assert len(held) == 8 and held[0]['video_path'].endswith('v_synrt00000.mp4')
