# ShapesQA (synthetic, ActivityNet-QA format): make it with
#   python tools/data/make_shapesqa.py --out data/shapesqa --preset demo
data_root = 'data/shapesqa'
num_frames = 8
img_size = 64
dataset_type = 'ActivityNetQADataset'

train_pipeline = [
    # ShapesQA clips are tiny (1,200 demo videos ~240 MB decoded): decode
    # each once and sample later epochs' frames from memory.
    dict(type='DecordInit', cache_size=2000),
    dict(type='HeadTailFrameSampler', num_frames=num_frames),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=img_size),
    dict(type='PackVideoQAInputs'),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='HeadTailFrameSampler', num_frames=num_frames, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=img_size),
    dict(type='PackVideoQAInputs'),
]
train_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='mcg.videoqa_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 group_by_video=True, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='mcg.videoqa_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 group_by_video=True, pipeline=test_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='mcg.videoqa_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 group_by_video=True, pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='ActivityNetQAMetric')
test_evaluator = val_evaluator
