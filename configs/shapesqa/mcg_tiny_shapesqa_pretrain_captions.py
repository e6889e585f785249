# ShapesQA pre-training on the captions-only corpus (the role of WebVid-2M):
# 3,000 clips from scenes disjoint from every QA split, 5 captions each in
# varied wording, one drawn per clip and epoch. Make the data with
#   python tools/data/make_shapesqa.py --out data/shapesqa --preset demo --pretrain
# The paper's objective (Eq. 11: ICL, TCL, VTM, LM), 4 head-tail frames.
# Caption-to-clip retrieval on the 200 held-out clips:
#   python tools/reproduce.py retrieval --out DIR   (docs/reproduction.md)
_base_ = ['./mcg_tiny_shapesqa_pretrain.py']
data_root = 'data/shapesqa'
num_frames = 4
img_size = 64
max_epochs = 5
lr = 1e-3
batch_size = 32

model = dict(
    # Captions are up to 54 tokens; the word list of the corpus is the
    # generator's output layer (the 30K-way softmax would dominate a step).
    max_question_len=56,
    head=dict(max_answer_len=56, output_vocab=data_root + '/pretrain/vocab.json'),
    # feature_norm: see docs/pretraining.md ("Why ICL did not learn").
    # VTM: the [FUS] state of a random-init post-norm fusor hardly varies
    # between pairs (std ~0.01 of its unit scale), and a plain linear head
    # sat at the 1:2 prior; standardised per feature it learns, and from
    # random init it learns on uniform negatives, not on ICL-hard ones
    # (docs/reproduction.md, "VTM").
    losses=dict(icl=dict(feature_norm='batch'),
                vtm=dict(feature_norm='batch', sampling='uniform')))

video_pipeline = [
    dict(type='DecordInit', cache_size=4000),
    dict(type='HeadTailFrameSampler', num_frames=num_frames),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=img_size),
    dict(type='PackVideoQAInputs', meta_keys=('task', 'lm_prompt')),
]
train_dataloader = dict(
    batch_size=batch_size,
    sampler=dict(type='DefaultSampler', shuffle=True, _delete_=True),
    dataset=dict(
        type='ShapesQACaptionDataset', data_root=data_root,
        ann_file='pretrain/train_captions.json', captions_per_clip=1,
        pipeline=video_pipeline, _delete_=True))
# The held-out clips of tools/reproduce.py retrieval (one caption each).
retrieval_dataset = dict(
    type='ShapesQACaptionDataset', data_root=data_root,
    ann_file='pretrain/retrieval_captions.json', test_mode=True,
    pipeline=[
        dict(type='DecordInit'),
        dict(type='HeadTailFrameSampler', num_frames=num_frames, test_mode=True),
        dict(type='DecordDecode'),
        dict(type='VideoResize', scale=img_size),
        dict(type='PackVideoQAInputs', meta_keys=('task', 'lm_prompt')),
    ])

optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs,
         eta_min=lr * 0.01, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
