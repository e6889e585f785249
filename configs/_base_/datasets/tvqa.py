# TVQA, visual only (no subtitles, as in Table IX): 5-way multiple choice on
# the 3 fps frame folders, 8 head-tail frames at 384 px over the whole clip
# (set use_ts=True to sample inside each question's moment).
# Layout and preparation: docs/datasets/tvqa.md
_base_ = ['./finetune_8f_384px.py']
data_root = 'data/tvqa'
frame_dir = 'frames_hq'
dataset_type = 'TVQADataset'
num_frames = _base_.num_frames
img_size = _base_.img_size
# Frame folders instead of video files.
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
dataset = dict(type=dataset_type, data_root=data_root, frame_dir=frame_dir)
train_dataloader = dict(dataset=dict(dataset, pipeline=train_pipeline))
# test-public has no labels (scored by the leaderboard): val is the labelled
# split used for both.
val_dataloader = dict(dataset=dict(dataset, split='val',
                                   pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='MultipleChoiceQAMetric', layout='tvqa',
                     dataset_name='TVQA (visual only)', prefix='tvqa')
test_evaluator = val_evaluator
