# MSVD-QA (jsonl of ClipBERT/ALPRO/MCG, or the original *_qa.json plus
# youtube_mapping.txt) at the paper's fine-tuning setting: 8 head-tail frames
# at 384 px.
# Layout and preparation: docs/datasets/msvdqa.md
_base_ = ['./finetune_8f_384px.py']
data_root = 'data/msvdqa'
dataset_type = 'MSVDQADataset'
dataset = dict(type=dataset_type, data_root=data_root)
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = dict(dataset=dataset)
# Exact string match, as the official protocol; Table III columns.
val_evaluator = dict(type='OpenEndedQAMetric', layout='msvd',
                     mode='strict', dataset_name='MSVD-QA',
                     prefix='msvdqa')
test_evaluator = val_evaluator
