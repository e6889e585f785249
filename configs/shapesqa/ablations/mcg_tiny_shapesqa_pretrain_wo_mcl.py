# Ablation "w/o MCL" (paper Table V) of the ShapesQA pre-training: ICL and TCL
# off (lambda_1 = 0), VTM and LM kept. VTM still draws its negatives from the
# (now untrained) ICL projections, i.e. close to uniformly.
# Pair: ../mcg_tiny_shapesqa_pretrain.py (with MCL). Fine-tune with
# mcg_tiny_shapesqa_finetune_wo_mcl.py.
_base_ = ['../mcg_tiny_shapesqa_pretrain.py']
model = dict(losses=dict(icl=dict(weight=0.0), tcl=dict(weight=0.0)))
