# CLEVRER: descriptive (open-ended) plus explanatory, predictive and
# counterfactual multiple choice, one binary sample per choice; 8 head-tail
# frames at 384 px. Layout and preparation: docs/datasets/clevrer.md
data_root = 'data/clevrer'
num_frames = 8
img_size = 384
dataset_type = 'CLEVRERDataset'

# mc_question_id ties each choice to its question (per-question accuracy).
pack = dict(type='PackVideoQAInputs', meta_keys=['mc_question_id'])
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
                 pipeline=train_pipeline))
# The test split has no answers (EvalAI): validation is used for both.
val_dataloader = dict(
    **loader, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='validation',
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
# Overall = mean of the four type accuracies, as the paper's Table X;
# run_mc.py's pooled multiple-choice accuracy is reported as MC_pooled.
val_evaluator = dict(type='CLEVRERMetric', mode='strict',
                     overall='type_mean')
test_evaluator = val_evaluator
