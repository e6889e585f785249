# Table V, "MCG w/o ICL": pre-training with theta_1 = 0 in Eq. 8 (the ICL loss
# off); fine-tune with mcg_tab5-wo-icl_anetqa_8f.py.
_base_ = ['../mcg_pretrain_webvid-cc3m-tgif_4f.py']
model = dict(losses=dict(icl=dict(weight=0.0)))
# VTM still draws hard negatives from the ICL similarity, whose projections
# now stay untrained: the negatives become close to uniform.
