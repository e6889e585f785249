# The ShapesQA demo: a small MCG trained from scratch on CPU in minutes.
_base_ = [
    '../_base_/models/mcg_tiny.py', '../_base_/datasets/shapesqa.py',
    '../_base_/schedules/adamw_cosine.py', '../_base_/default_runtime.py'
]
data_root = 'data/shapesqa'
# The clip shape: the dataset's pipelines (_base_/datasets/shapesqa.py) and
# the video encoder both follow these, also when set with --cfg-options.
num_frames = 8
img_size = 64
max_epochs = 18
lr = 5e-4
# The learning rate stays at its peak until this epoch (14 of 18), then
# decays linearly; tied to max_epochs so that --cfg-options max_epochs=N
# gives a valid schedule.
decay_from = max(0, max_epochs - 4)

model = dict(
    video_encoder=dict(num_frames=num_frames, img_size=img_size),
    # Score only the tokens of the training answers: the 30K-way softmax
    # otherwise dominates a step on CPU (see README, "Demo").
    # A third generator block: reading an object's position and then
    # comparing it takes more than two cross-attention hops (docs/demo.md).
    head=dict(num_layers=3, output_vocab=data_root + '/train_a.json'),
    # The paper's joint objective (Eq. 11) on the QA pairs themselves, with
    # ICL (faded, see custom_hooks below) and LM on. ICL makes the question and clip summaries name the same
    # objects, which is what "the red circle" questions need: "what happens
    # to the X" reached 56-100 % in runs with it, 25-43 % without. TCL and
    # VTM are off: on this data they did not help and cost 40-85 % more per
    # step (docs/demo.md).
    losses=dict(icl=dict(type='InstanceContrastiveLoss', weight=2.0)),
    # Keep the random word embeddings (3.9M of the 7M parameters, tied to
    # the answer scores) fixed: ~9 % cheaper steps, and the run that trained
    # them not at all was the best one (docs/demo.md).
    frozen_parameters=['text_encoder.bert.embeddings.word_embeddings'])

# 8 videos (72 questions) per step: in 600-step probes this made about the
# same progress per step as 16 videos, at 0.22 s instead of 0.36 s a step.
train_dataloader = dict(batch_size=8, dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))

# bf16 autocast for training where the CPU multiplies bf16 natively (AMX or
# AVX512_BF16), fp32 elsewhere; evaluation stays fp32. On the AMD EPYC of
# docs/demo.md it trained 1.4x faster at equal accuracy. --fp32 (or
# --cfg-options cpu_precision=fp32) switches it off.
cpu_precision = 'auto'

# fused AdamW: one kernel over all parameters (~3.9M of them are the word
# embeddings), the same update as the default loop.
optim_wrapper = dict(optimizer=dict(lr=lr, fused=True))
# Warm-up, a constant phase, then a linear decay: the skills of this task
# appear in late jumps, and a cosine schedule has already lowered the
# learning rate when they come (docs/demo.md).
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='LinearLR', start_factor=1.0, end_factor=0.01, by_epoch=True,
         begin=decay_from, end=max_epochs, convert_to_iter_based=True),
]
# ICL at full weight early, then faded to a quarter over epochs 5-11. At
# full weight throughout, the position types (Motion, Location) came late or
# not at all; faded to 0 they came, but Yes/No and Other stalled at ~80 %
# (docs/demo.md, runs h1-p2).
custom_hooks = [dict(type='LossWeightScheduleHook', schedules=dict(
    icl=dict(begin=5, end=11, end_factor=0.25)))]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=max_epochs, save_best=None))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
