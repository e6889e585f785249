# Table VI: MCG on ActivityNet-QA with 16 head-tail frames (384 px).
_base_ = ['../mcg_anetqa_8f_from_pretrain.py']
num_frames = 16
model = dict(video_encoder=dict(num_frames=num_frames))
train_pipeline = [dict(t, num_frames=num_frames) if 'num_frames' in t else t
                  for t in _base_.train_pipeline]
test_pipeline = [dict(t, num_frames=num_frames) if 'num_frames' in t else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
