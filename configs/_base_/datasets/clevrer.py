# CLEVRER: descriptive (open-ended) plus explanatory, predictive and
# counterfactual multiple choice, one binary sample per choice; 8 head-tail
# frames at 384 px. Layout and preparation: docs/datasets/clevrer.md
_base_ = ['./finetune_8f_384px.py']
data_root = 'data/clevrer'
dataset_type = 'CLEVRERDataset'
# mc_question_id ties each choice to its question (per-question accuracy).
pack = dict(type='PackVideoQAInputs', meta_keys=['mc_question_id'])
train_pipeline = _base_.train_pipeline[:-1] + [pack]
test_pipeline = _base_.test_pipeline[:-1] + [pack]
dataset = dict(type=dataset_type, data_root=data_root)
train_dataloader = dict(dataset=dict(dataset, pipeline=train_pipeline))
# The test split has no answers (EvalAI): validation is used for both.
val_dataloader = dict(dataset=dict(dataset, split='validation',
                                   pipeline=test_pipeline))
test_dataloader = val_dataloader
# Overall = mean of the four type accuracies, as the paper's Table X;
# run_mc.py's pooled multiple-choice accuracy is reported as MC_pooled.
val_evaluator = dict(type='CLEVRERMetric', mode='strict',
                     overall='type_mean')
test_evaluator = val_evaluator
