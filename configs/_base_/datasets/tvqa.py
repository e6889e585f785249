# TVQA, visual only (no subtitles, as in Table IX): 5-way multiple choice on
# the 3 fps frame folders, 8 head-tail frames at 384 px over the whole clip
# (set use_ts=True to sample inside each question's moment).
# Layout and preparation: docs/datasets/tvqa.md
data_root = 'data/tvqa'
frame_dir = 'frames_hq'
num_frames = 8
img_size = 384
dataset_type = 'TVQADataset'

train_pipeline = [
    dict(type='FrameFolderInit'),
    dict(type='HeadTailFrameSampler', num_frames=num_frames),
    dict(type='FrameFolderDecode', width=img_size, height=img_size),
    dict(type='PackVideoQAInputs'),
]
test_pipeline = [
    dict(type='FrameFolderInit'),
    dict(type='HeadTailFrameSampler', num_frames=num_frames, test_mode=True),
    dict(type='FrameFolderDecode', width=img_size, height=img_size),
    dict(type='PackVideoQAInputs'),
]
loader = dict(batch_size=4, num_workers=8, persistent_workers=True,
              collate_fn=dict(type='mcg.videoqa_collate'))
train_dataloader = dict(
    **loader, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 frame_dir=frame_dir, pipeline=train_pipeline))
# test-public has no labels (scored by the leaderboard): val is the labelled
# split used for both.
val_dataloader = dict(
    **loader, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 frame_dir=frame_dir, pipeline=test_pipeline,
                 test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='MultipleChoiceQAMetric', layout='tvqa',
                     dataset_name='TVQA (visual only)', prefix='tvqa')
test_evaluator = val_evaluator
