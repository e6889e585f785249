# NExT-QA multiple choice (doc-doc/NExT-QA csv + map_vid_vidorID.json) at the
# paper's fine-tuning setting: 8 head-tail frames at 384 px.
# Layout and preparation: docs/datasets/nextqa.md
data_root = 'data/nextqa'
video_dir = 'NExTVideo'
num_frames = 8
img_size = 384
dataset_type = 'NExTQADataset'

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
                 video_dir=video_dir, pipeline=train_pipeline))
val_dataloader = dict(
    **loader, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 video_dir=video_dir, pipeline=test_pipeline,
                 test_mode=True))
test_dataloader = dict(
    **loader, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 video_dir=video_dir, pipeline=test_pipeline,
                 test_mode=True))
# Table IV: Acc@C, Acc@T (TP merged into TN), Acc@D, Acc@All; reads only
# each sample's pred_label.
val_evaluator = dict(type='MultipleChoiceQAMetric', layout='nextqa',
                     dataset_name='NExT-QA', prefix='nextqa')
test_evaluator = val_evaluator
