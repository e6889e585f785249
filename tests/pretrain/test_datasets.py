"""Pre-training datasets in their released formats, through the pipeline."""
import json
import os.path as osp

import pytest

from mcg.datasets.text_files import AnnotationError
from mcg.datasets.pretrain import (CC3MDataset, ShapesQACaptionDataset,
                                   TGIFQAPretrainDataset, WebVidDataset,
                                   describe_scene)
from mcg.datasets.pretrain.records import CAPTION_PROMPT

PACK = dict(type='PackVideoQAInputs', meta_keys=('task', 'lm_prompt'))
VIDEO_PIPELINE = [
    dict(type='DecordInit'),
    dict(type='HeadTailFrameSampler', num_frames=4),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=32),
    PACK,
]


def test_webvid_csv_to_caption_clips(webvid_root):
    ds = WebVidDataset(webvid_root, pipeline=VIDEO_PIPELINE,
                       skip_missing=True)
    assert len(ds) == 2
    item = ds[0]
    assert tuple(item['inputs'].shape) == (4, 3, 32, 32)
    sample, = item['data_samples']
    assert sample.question == 'A red circle moves left'
    assert sample.gt_answer == sample.question
    assert sample.task == 'caption' and sample.lm_prompt == CAPTION_PROMPT


def test_webvid_filters_and_errors(webvid_root, tmp_path_factory):
    assert len(WebVidDataset(webvid_root)) == 3      # missing kept
    assert len(WebVidDataset(webvid_root, max_words=5)) == 1
    bad = tmp_path_factory.mktemp('bad_webvid')
    (bad / 'results_2M_train.csv').write_text('id,caption\n1,a cat\n')
    with pytest.raises(AnnotationError, match='page_dir'):
        WebVidDataset(str(bad))
    with pytest.raises(FileNotFoundError, match='docs/pretraining.md'):
        WebVidDataset(str(bad), ann_file='results_2M_val.csv')


def test_cc3m_json_images_become_static_clips(cc3m_root):
    pipeline = [dict(type='LoadImageAsClip', num_frames=4),
                dict(type='VideoResize', scale=32), PACK]
    ds = CC3MDataset(cc3m_root, skip_missing=True, pipeline=pipeline)
    assert len(ds) == 2
    item = ds[1]
    assert tuple(item['inputs'].shape) == (4, 3, 32, 32)
    assert (item['inputs'] == item['inputs'][:1]).all()   # repeated image
    assert [s.question for s in item['data_samples']] == [
        'a red car', 'a car parked outside']
    assert all(s.task == 'caption' for s in item['data_samples'])


def test_cc3m_official_tsv(cc3m_root):
    ds = CC3MDataset(cc3m_root, ann_file='Train_GCC-training.tsv',
                     skip_missing=True)
    assert [d['qa'][0]['question'] for d in ds] == [
        'a dog on grass', 'a red car', 'a tree']
    assert ds[2]['image_path'].endswith('000000002.jpg')
    assert len(CC3MDataset(cc3m_root, ann_file='Train_GCC-training.tsv')) == 4


def test_tgifqa_all_tasks_as_open_ended_qa(tgif_root):
    ds = TGIFQAPretrainDataset(tgif_root, tasks=('frameqa', 'count',
                                                  'action'),
                               video_ext='.mp4', pipeline=VIDEO_PIPELINE)
    assert len(ds) == 2                               # grouped by gif
    first = ds[0]['data_samples']
    assert [(s.question, s.gt_answer) for s in first] == [
        ('what is the man holding ?', 'cup'),
        ('how many times does he nod ?', '3')]
    action, = ds[1]['data_samples']
    assert action.gt_answer == 'blink'                # option a2 (index 1)
    assert action.task == 'qa' and 'lm_prompt' not in action.metainfo
    with pytest.raises(FileNotFoundError, match='transition'):
        TGIFQAPretrainDataset(tgif_root, tasks=('transition',))
    with pytest.raises(ValueError, match='unknown TGIF-QA tasks'):
        TGIFQAPretrainDataset(tgif_root, tasks=('captions',))


def test_shapesqa_captions_follow_the_scene(shapesqa_tiny):
    ds = ShapesQACaptionDataset(shapesqa_tiny, pipeline=VIDEO_PIPELINE)
    meta = json.load(open(osp.join(shapesqa_tiny, 'synthetic_meta.json')))
    train = [n for n, v in meta['videos'].items() if v['split'] == 'train']
    assert len(ds) == len(train) == 6
    item = ds[0]
    caption = item['data_samples'][0].question
    scene = meta['videos'][item['data_samples'][0].video_id]
    mover = scene['objects'][0]
    assert caption.startswith(f"the {mover['name']} moves "
                              f"{mover['direction']}")
    assert caption.endswith(f"{len(scene['objects'])} objects appear")


def test_describe_scene_on_a_handmade_scene():
    def obj(name, role, cell, frames=(0, 16), **extra):
        color, shape = name.split()
        return dict(name=name, color=color, shape=shape, role=role,
                    cell=cell, frames=list(frames), **extra)
    scene = dict(num_frames=16, objects=[
        obj('red circle', 'P', None, direction='left'),
        obj('blue square', 'S', [1, 2]),
        obj('green diamond', 'E', [1, 0], (0, 8)),
        obj('yellow triangle', 'L', [3, 3], (8, 16))])
    assert describe_scene(scene) == (
        'the red circle moves left. the green diamond disappears and then '
        'the yellow triangle appears. the green diamond is left of the blue '
        'square. 4 objects appear')
