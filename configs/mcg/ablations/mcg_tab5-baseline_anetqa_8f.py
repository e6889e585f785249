# Table V, "Baseline": offline features instead of JUM's video encoder [10],
# no MCL, classifier head. Expects one feature file per video,
# data/anetqa/features/<video_name>.npy of shape (N, 2048) (e.g. ResNet-152
# pool5 per second; for CAN-style two-stream features concatenate them and
# set in_dims). The N steps are averaged into 8 segments. See docs/heads.md.
_base_ = ['./mcg_tab5-w-jum_anetqa_8f.py']
custom_imports = dict(imports=['mcg.encoders.offline_features'],
                      allow_failed_imports=False)
num_segments = 8
features = [
    dict(type='LoadVideoFeatures', feature_dir='data/anetqa/features',
         num_segments=num_segments),
    dict(type='PackVideoQAInputs'),
]
model = dict(
    data_preprocessor=dict(_delete_=True, type='VideoFeaturePreprocessor'),
    video_encoder=dict(_delete_=True, type='OfflineFeatureEncoder',
                       in_dims=2048, embed_dims=768, num_frames=num_segments))
# video_dir only has to exist: the features are read by video id.
train_dataloader = dict(dataset=dict(video_dir='features', pipeline=features))
val_dataloader = dict(dataset=dict(video_dir='features', pipeline=features))
test_dataloader = dict(dataset=dict(video_dir='features', pipeline=features))
