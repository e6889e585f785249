# Table V, "Baseline": offline features instead of JUM's video encoder [10],
# no MCL, classifier head. One feature file per video stands in for its
# video: <data_root>/features/v_<video_name>.npy (or .npz/.pt) of shape
# (N, 2048) (e.g. ResNet-152 pool5 per second; for CAN-style two-stream
# features concatenate them and set in_dims), averaged into 8 segments.
# See docs/heads.md.
_base_ = ['./mcg_tab5-w-jum_anetqa_8f.py']
num_segments = 8
model = dict(
    data_preprocessor=dict(type='VideoFeaturePreprocessor'),
    video_encoder=dict(_delete_=True, type='OfflineFeatureEncoder',
                       in_dims=2048, embed_dims=768, num_frames=num_segments))
features = dict(
    video_dir='features', video_exts=('.npy', '.npz', '.pt'),
    pipeline=[dict(type='LoadVideoFeatures', num_segments=num_segments),
              dict(type='PackVideoQAInputs')])
train_dataloader = dict(dataset=features)
val_dataloader = dict(dataset=features)
test_dataloader = dict(dataset=features)
