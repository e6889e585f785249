# MSVD-QA (jsonl of ClipBERT/ALPRO/MCG, or the original *_qa.json plus
# youtube_mapping.txt) at the paper's fine-tuning setting: 8 head-tail frames
# at 384 px.
# Layout and preparation: docs/datasets/msvdqa.md
data_root = 'data/msvdqa'
num_frames = 8
img_size = 384
dataset_type = 'MSVDQADataset'

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
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    **loader, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = dict(
    **loader, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 pipeline=test_pipeline, test_mode=True))
# Exact string match, as the official protocol; Table III columns.
val_evaluator = dict(type='OpenEndedQAMetric', layout='msvd',
                     mode='strict', dataset_name='MSVD-QA',
                     prefix='msvdqa')
test_evaluator = val_evaluator
