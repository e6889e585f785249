# ActivityNet-QA (MILVLG/activitynet-qa) at the paper's fine-tuning setting:
# 8 head-tail frames at 384 px. Layout and preparation: docs/datasets/anetqa.md
# Written out rather than on finetune_8f_384px.py: it decodes with decord
# only and groups questions by video, and its Table V/VI variants already
# use the three _base_ levels a config may have.
data_root = 'data/anetqa'
num_frames = 8
img_size = 384
dataset_type = 'ActivityNetQADataset'

train_pipeline = [
    dict(type='DecordInit', width=img_size, height=img_size),
    dict(type='HeadTailFrameSampler', num_frames=num_frames),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=img_size),
    dict(type='PackVideoQAInputs'),
]
test_pipeline = [
    dict(type='DecordInit', width=img_size, height=img_size),
    dict(type='HeadTailFrameSampler', num_frames=num_frames, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=img_size),
    dict(type='PackVideoQAInputs'),
]
train_dataloader = dict(
    batch_size=4, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='mcg.videoqa_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 group_by_video=True, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='mcg.videoqa_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 group_by_video=True, pipeline=test_pipeline, test_mode=True,
                 report_unreadable=True))
test_dataloader = dict(
    batch_size=4, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='mcg.videoqa_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 group_by_video=True, pipeline=test_pipeline, test_mode=True,
                 report_unreadable=True))
val_evaluator = dict(type='ActivityNetQAMetric', mode='strict')
# Table II's WUPS@0.9 and WUPS@0.0 (Malinowski & Fritz; the paper's exact
# WUPS protocol is unpublished): docs/datasets/wups.md
test_evaluator = [
    val_evaluator,
    dict(type='OpenEndedQAMetric', mode='strict', wups_thresholds=(0.9, 0.0),
         dataset_name='ActivityNet-QA', prefix='anetqa_wups'),
]
