# NExT-OE open-ended (doc-doc/NExT-OE csv + map_vid_vidorID.json) at the
# paper's fine-tuning setting: 8 head-tail frames at 384 px.
# Layout and preparation: docs/datasets/nextqa.md
data_root = 'data/nextoe'
video_dir = 'NExTVideo'
num_frames = 8
img_size = 384
dataset_type = 'NExTOEDataset'
# extra_answers (the second references of add_reference_answer_test.json)
# must reach OpenEndedQAMetric, which scores the best of the references.
pack = dict(type='PackVideoQAInputs', meta_keys=['extra_answers'])

train_pipeline = [
    dict(type='VideoInit', width=img_size, height=img_size),
    dict(type='HeadTailFrameSampler', num_frames=num_frames),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=img_size),
    pack,
]
test_pipeline = [
    dict(type='VideoInit', width=img_size, height=img_size),
    dict(type='HeadTailFrameSampler', num_frames=num_frames, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=img_size),
    pack,
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
# NExT-OE's protocol: WUPS with first-sense matching and exact match for
# counts (DC) and yes/no (DB); accuracy is reported next to it.
val_evaluator = dict(type='OpenEndedQAMetric', layout='nextqa',
                     mode='normalized', wups_thresholds=(0.0, 0.9),
                     wups_variant='nextoe', exact_match_types=('DC', 'DB'),
                     dataset_name='NExT-OE', prefix='nextoe')
test_evaluator = val_evaluator
