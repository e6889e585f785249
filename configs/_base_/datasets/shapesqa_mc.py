# ShapesQA multiple choice, written by the generator in NExT-QA's format:
#   python tools/data/make_shapesqa.py --out data/shapesqa --preset demo
# gives data/shapesqa/mc/{train,val,test}.csv + map_vid_vidorID.json, whose
# paths are relative to data/shapesqa (hence video_dir='..').
data_root = 'data/shapesqa/mc'
video_dir = '..'
num_frames = 8
img_size = 64
dataset_type = 'NExTQADataset'

train_pipeline = [
    dict(type='VideoInit'),
    dict(type='HeadTailFrameSampler', num_frames=num_frames),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=img_size),
    dict(type='PackVideoQAInputs'),
]
test_pipeline = [
    dict(type='VideoInit'),
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
                 video_dir=video_dir, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='mcg.videoqa_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 video_dir=video_dir, pipeline=test_pipeline,
                 test_mode=True))
test_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='mcg.videoqa_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 video_dir=video_dir, pipeline=test_pipeline,
                 test_mode=True))
val_evaluator = dict(type='MultipleChoiceQAMetric', layout='nextqa',
                     dataset_name='ShapesQA-MC', prefix='shapesqa_mc')
test_evaluator = val_evaluator
