# Fine-tuning after the "w/o MCL" pre-training; pair of
# ../mcg_tiny_shapesqa_finetune.py (after pre-training with MCL).
_base_ = ['../mcg_tiny_shapesqa_finetune.py']
load_from = 'work_dirs/mcg_tiny_shapesqa_pretrain_wo_mcl/epoch_2.pth'
