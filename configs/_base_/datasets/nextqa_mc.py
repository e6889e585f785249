# NExT-QA multiple choice (doc-doc/NExT-QA csv + map_vid_vidorID.json) at the
# paper's fine-tuning setting: 8 head-tail frames at 384 px.
# Layout and preparation: docs/datasets/nextqa.md
_base_ = ['./finetune_8f_384px.py']
data_root = 'data/nextqa'
video_dir = 'NExTVideo'
dataset_type = 'NExTQADataset'
dataset = dict(type=dataset_type, data_root=data_root, video_dir=video_dir)
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = dict(dataset=dataset)
# Table IV: Acc@C, Acc@T (TP merged into TN), Acc@D, Acc@All; reads only
# each sample's pred_label.
val_evaluator = dict(type='MultipleChoiceQAMetric', layout='nextqa',
                     dataset_name='NExT-QA', prefix='nextqa')
test_evaluator = val_evaluator
