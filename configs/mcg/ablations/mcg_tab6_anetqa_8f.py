# Table VI: MCG on ActivityNet-QA with 8 head-tail frames (384 px): the
# fine-tuning recipe itself. The other rows (2, 4, 12, 16 frames) set
# num_frames and carry it to the encoder and both pipelines; a base cannot
# do that for them, as MMEngine evaluates a base before the file that
# inherits it. Tools also take `--cfg-options num_frames=N` on this file.
_base_ = ['../mcg_anetqa_8f_from_pretrain.py']
