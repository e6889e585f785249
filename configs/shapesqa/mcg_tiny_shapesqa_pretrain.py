# ShapesQA pre-training on CPU in minutes: the paper's objective (Eq. 11) on
#   * ShapesQA captions written from the scene ground truth (caption pairs,
#     standing in for WebVid-2M/CC3M), and
#   * the ShapesQA training questions (internal VideoQA data, standing in
#     for TGIF-QA),
# drawn 1:1 by the weighted multi-source sampler (one caption or one question
# per item, so a batch holds 16 pairs), with 4 head-tail frames as in the
# paper's pre-training. Only the train split is used.
# Fine-tune afterwards with configs/shapesqa/mcg_tiny_shapesqa_finetune.py.
# See docs/pretraining.md.
_base_ = [
    '../_base_/models/mcg_tiny.py', '../_base_/schedules/adamw_cosine.py',
    '../_base_/default_runtime.py'
]
custom_imports = dict(imports=['mcg.datasets.pretrain', 'mcg.engine.load_report'],
                      allow_failed_imports=False)
data_root = 'data/shapesqa'
num_frames = 4
img_size = 64
max_epochs = 2
lr = 5e-4

# Eq. 8: L_MCL = theta_1 * L_ICL + theta_2 * L_TCL
# Eq. 11: L = lambda_1 * L_MCL + lambda_2 * L_VTM + lambda_3 * L_LM
# Each term is a loss of model.losses with weight = its product below; switch
# one off from the command line with --cfg-options model.losses.tcl.weight=0
theta_1, theta_2 = 1.0, 1.0
lambda_1, lambda_2, lambda_3 = 1.0, 1.0, 1.0

model = dict(
    video_encoder=dict(num_frames=num_frames),
    # Captions are LM targets too: full vocabulary, caption-length answers.
    # Three generator blocks, as in the demo that fine-tunes from here.
    head=dict(num_layers=3, max_answer_len=36, output_vocab=None),
    max_question_len=40,
    losses=dict(
        # feature_norm: random-init encoders give nearly equal x_cls for all
        # clips, and ICL stayed at chance without it (docs/pretraining.md).
        icl=dict(type='InstanceContrastiveLoss', weight=lambda_1 * theta_1,
                 feature_norm='batch'),
        tcl=dict(type='TokenContrastiveLoss', weight=lambda_1 * theta_2),
        vtm=dict(type='VideoTextMatchingLoss', weight=lambda_2),
        # Token mean, as the demo this mirrors (docs/pretraining.md).
        lm=dict(type='LanguageModelingLoss', weight=lambda_3,
                reduction='token_mean')))

video_pipeline = [
    dict(type='DecordInit'),
    dict(type='HeadTailFrameSampler', num_frames=num_frames),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=img_size),
    dict(type='PackVideoQAInputs', meta_keys=('task', 'lm_prompt')),
]
train_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    # One weight per source (captions, questions).
    sampler=dict(type='WeightedMultiDatasetSampler', weights=[1.0, 1.0],
                 num_samples=1200),
    collate_fn=dict(type='mcg.videoqa_collate'),
    dataset=dict(
        type='MultiSourceDataset',
        datasets=[
            dict(type='ShapesQACaptionDataset', data_root=data_root,
                 split='train', pipeline=video_pipeline),
            dict(type='ActivityNetQADataset', data_root=data_root,
                 split='train', group_by_video=False,
                 pipeline=video_pipeline),
        ]))
# Pre-training has no evaluation; fine-tuning does.
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None

optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs,
         eta_min=lr * 0.01, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 _delete_=True)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=max_epochs, save_best=None))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
