# MCG pre-training (paper Sec. III-B to III-D and IV-A): WebVid-2M video-text
# pairs, CC3M image-text pairs (each image repeated as a 4-frame clip) and
# TGIF-QA as internal VideoQA data; 4 head-tail frames at 224 px; ten epochs
# of AdamW (weight decay 0.001), lr warmed up to 1e-4 and linearly decayed to
# 1e-5. Data layouts: docs/pretraining.md. Fine-tune with
# configs/mcg/mcg_anetqa_8f_from_pretrain.py.
_base_ = ['../_base_/models/mcg_base.py', '../_base_/default_runtime.py']
custom_imports = dict(imports=['mcg.datasets.pretrain', 'mcg.engine.load_report'],
                      allow_failed_imports=False)
# One folder per source (--cfg-options webvid_root=/data/webvid ...).
webvid_root = 'data/webvid'
cc3m_root = 'data/cc3m'
tgif_root = 'data/tgif'
num_frames = 4
img_size = 224
max_epochs = 10
lr = 1e-4

# Eq. 8: L_MCL = theta_1 * L_ICL + theta_2 * L_TCL
# Eq. 11: L = lambda_1 * L_MCL + lambda_2 * L_VTM + lambda_3 * L_LM
# (all 1 in the paper). Override a term with e.g.
# --cfg-options model.losses.tcl.weight=0
theta_1, theta_2 = 1.0, 1.0
lambda_1, lambda_2, lambda_3 = 1.0, 1.0, 1.0

model = dict(
    video_encoder=dict(img_size=img_size, num_frames=num_frames),
    # Captions are generated too (ALPRO keeps 30 text tokens).
    head=dict(max_answer_len=30),
    max_question_len=40,
    losses=dict(
        icl=dict(type='InstanceContrastiveLoss', weight=lambda_1 * theta_1,
                 embed_dims=256, temperature=0.07),
        tcl=dict(type='TokenContrastiveLoss', weight=lambda_1 * theta_2,
                 memory_dims=256),
        vtm=dict(type='VideoTextMatchingLoss', weight=lambda_2,
                 sampling='multinomial'),
        # Eq. 10: per-caption sum of token losses, averaged over captions.
        lm=dict(type='LanguageModelingLoss', weight=lambda_3,
                reduction='sequence_sum')))

pack = dict(type='PackVideoQAInputs', meta_keys=('task', 'lm_prompt'))
video_pipeline = [
    dict(type='DecordInit', width=img_size, height=img_size),
    dict(type='HeadTailFrameSampler', num_frames=num_frames),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=img_size),
    pack,
]
# TGIF-QA ships GIFs, which decord cannot open: VideoInit falls back to PyAV.
gif_pipeline = [dict(type='VideoInit', width=img_size, height=img_size)] + \
    video_pipeline[1:]
image_pipeline = [
    dict(type='LoadImageAsClip', num_frames=num_frames),
    dict(type='VideoResize', scale=img_size),
    pack,
]
train_dataloader = dict(
    # The paper does not give the batch size; 32 clips per GPU.
    batch_size=32, num_workers=8, persistent_workers=True,
    # weights=None draws items uniformly over the three sources together
    # (ALPRO's concatenation); give e.g. [1.0, 1.0, 0.2] to rebalance.
    sampler=dict(type='WeightedMultiDatasetSampler', weights=None),
    collate_fn=dict(type='mcg.videoqa_collate'),
    dataset=dict(
        type='MultiSourceDataset',
        datasets=[
            dict(type='WebVidDataset', data_root=webvid_root,
                 ann_file='results_2M_train.csv', video_dir='videos',
                 skip_missing=True, pipeline=video_pipeline),
            dict(type='CC3MDataset', data_root=cc3m_root,
                 ann_file='cc3m.json', image_dir='images', skip_missing=True,
                 pipeline=image_pipeline),
            dict(type='TGIFQAPretrainDataset', data_root=tgif_root,
                 split='Train', ann_dir='dataset', video_dir='gifs',
                 video_ext='.gif', pipeline=gif_pipeline),
        ]))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=lr, weight_decay=0.001),
    clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='LinearLR', start_factor=1.0, end_factor=0.1, by_epoch=True,
         begin=1, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=1, save_best=None))
