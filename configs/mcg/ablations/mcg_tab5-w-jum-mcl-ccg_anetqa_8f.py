# Table V, "w/ JUM&MCL&CCG" (= MCG): pre-trained, generator head.
_base_ = ['../mcg_anetqa_8f_from_pretrain.py']
