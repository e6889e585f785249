# The paper's fine-tuning input, shared by the benchmark dataset configs:
# 8 head-tail frames decoded at 384 px (decord, PyAV where decord fails),
# 4 clips per GPU. A dataset config on top names its dataset (type,
# data_root, ...) in the three loaders and sets its evaluators.
num_frames = 8
img_size = 384
train_pipeline = [
    dict(type='VideoInit', width=img_size, height=img_size),
    dict(type='HeadTailFrameSampler', num_frames=num_frames),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=img_size),
    dict(type='PackVideoQAInputs'),
]
test_pipeline = [
    dict(type='VideoInit', width=img_size, height=img_size),
    dict(type='HeadTailFrameSampler', num_frames=num_frames, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=img_size),
    dict(type='PackVideoQAInputs'),
]
loader = dict(batch_size=4, num_workers=8, persistent_workers=True,
              collate_fn=dict(type='mcg.videoqa_collate'))
train_dataloader = dict(
    **loader, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(split='train', pipeline=train_pipeline))
val_dataloader = dict(
    **loader, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(split='val', pipeline=test_pipeline, test_mode=True))
test_dataloader = dict(
    **loader, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(split='test', pipeline=test_pipeline, test_mode=True))
