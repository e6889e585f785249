"""Caption-to-clip retrieval and VTM accuracy of a pre-trained model.

A direct check of what pre-training learned, on held-out captioned clips
(``pretrain/retrieval_captions.json`` of the ShapesQA corpus): the ICL
similarity (Eq. 1) ranks every clip for every caption, and the VTM head
classifies each caption's true pair and two hard negatives (1:2, so the
constant "not matched" scores 2/3).
"""
from __future__ import annotations

from typing import Dict, Sequence

import torch
from torch import Tensor, nn

from mcg.datasets.collate import videoqa_collate
from mcg.structures.features import FuseFn, SimilarityFn, VideoQAFeatures


def _recalls(sim: Tensor, ks: Sequence[int], prefix: str) -> Dict[str, float]:
    truth = torch.arange(len(sim))
    ranks = (sim > sim[truth, truth][:, None]).sum(-1)
    return {f'{prefix}R@{k}': float((ranks < k).float().mean()) for k in ks}


@torch.no_grad()
def caption_retrieval(model: nn.Module, dataset, batch_size: int = 50,
                      ks: Sequence[int] = (1, 5, 10), seed: int = 0
                      ) -> Dict[str, float]:
    """Recall@K of caption -> clip (and clip -> caption) retrieval, VTM accuracy.

    Args:
        model: An :class:`~mcg.models.MCGVideoQA` with an ``icl`` loss (and
            optionally a ``vtm`` loss).
        dataset: Caption dataset with exactly one caption per clip.
        batch_size: Clips encoded at once; VTM negatives are drawn within
            such a batch.
        ks: Recall cut-offs.
        seed: Seed of the VTM negative draw.

    Returns:
        ``R@k`` (caption -> clip) and ``v2t_R@k`` as fractions, ``chance_R@1``,
        ``num_clips``, and with a VTM loss ``acc_vtm`` (all pairs),
        ``acc_vtm_pos``/``acc_vtm_neg`` and ``acc_vtm_constant`` (the share
        of negatives, what "always not matched" scores).
    """
    if 'icl' not in model.losses:
        raise ValueError('caption retrieval needs the model\'s icl loss')
    icl, vtm = model.losses['icl'], model.losses['vtm'] if 'vtm' in model.losses else None
    was_training = model.training
    model.eval()
    torch.manual_seed(seed)
    clips, texts, right, labels = [], [], [], []
    for start in range(0, len(dataset), batch_size):
        items = [dataset[i] for i in range(start, min(start + batch_size, len(dataset)))]
        if any(len(item['data_samples']) != 1 for item in items):
            raise ValueError('retrieval expects exactly one caption per clip')
        batch = model.data_preprocessor(videoqa_collate(items))
        features = model.extract_feat(batch['inputs'], batch['data_samples'])
        clips.append(icl.clip_features(features.clips))
        texts.append(icl.text_features(features.text))
        if vtm is not None:
            pos, lab = _vtm_logits(vtm, features, model.fuse, icl.similarity)
            right.append(pos.argmax(-1) == lab)
            labels.append(lab)
    sim = torch.cat(texts) @ torch.cat(clips).t()
    result = {**_recalls(sim, ks, ''), **_recalls(sim.t(), ks, 'v2t_'),
              'chance_R@1': 1.0 / len(sim), 'num_clips': len(sim)}
    if vtm is not None:
        right, labels = torch.cat(right).float(), torch.cat(labels)
        result.update(acc_vtm=float(right.mean()),
                      acc_vtm_pos=float(right[labels == 1].mean()),
                      acc_vtm_neg=float(right[labels == 0].mean()),
                      acc_vtm_constant=float((labels == 0).float().mean()))
    model.train(was_training)
    return result


def _vtm_logits(vtm: nn.Module, features: VideoQAFeatures, fuse: FuseFn,
                similarity: SimilarityFn) -> tuple:
    """The VTM head's logits on the pairs and their negatives, with labels."""
    fus, labels = vtm.pair_states(features, fuse, similarity)
    return vtm.head(fus.to(vtm.head.weight.dtype)).float(), labels
