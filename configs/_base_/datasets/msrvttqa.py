# MSRVTT-QA (jsonl of ClipBERT/ALPRO/MCG, or the original *_qa.json) at the
# paper's fine-tuning setting: 8 head-tail frames at 384 px.
# Layout and preparation: docs/datasets/msrvttqa.md
_base_ = ['./finetune_8f_384px.py']
data_root = 'data/msrvttqa'
dataset_type = 'MSRVTTQADataset'
dataset = dict(type=dataset_type, data_root=data_root)
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = dict(dataset=dataset)
# Exact string match, as the official protocol; Table III columns.
val_evaluator = dict(type='OpenEndedQAMetric', layout='msrvtt',
                     mode='strict', dataset_name='MSRVTT-QA',
                     prefix='msrvttqa')
test_evaluator = val_evaluator
