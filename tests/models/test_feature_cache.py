"""Per-video feature cache: same predictions, one encoder pass per video."""
import copy

import pytest
import torch
from torch.utils.data import DataLoader

from mcg.datasets.collate import videoqa_collate
from mcg.models.feature_cache import VideoFeatureCache, clip_key
from mcg.registry import DATASETS, MODELS


def build_model(micro_cfg, cache_size):
    torch.manual_seed(0)
    cfg = copy.deepcopy(micro_cfg.model)
    cfg['video_cache_size'] = cache_size
    return MODELS.build(cfg).eval()


def count_encoded_clips(model):
    """Count the clips the video encoder sees (a forward hook)."""
    seen = {'clips': 0}

    def hook(_module, args, _out):
        seen['clips'] += args[0].shape[0]
    model.video_encoder.register_forward_hook(hook)
    return seen


def evaluate(model, micro_cfg, batch_size=4):
    """Predictions on the tiny test split, one item per question."""
    ds_cfg = copy.deepcopy(micro_cfg.test_dataloader.dataset)
    ds_cfg['group_by_video'] = False  # a video's questions span batches
    dataset = DATASETS.build(ds_cfg)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False,
                        collate_fn=videoqa_collate)
    preds = {}
    for batch in loader:
        for s in model.test_step(batch):
            preds[s.question_id] = s.pred_answer
    return preds


def test_cached_and_uncached_evaluation_agree(micro_cfg):
    plain = build_model(micro_cfg, cache_size=0)
    cached = build_model(micro_cfg, cache_size=8)
    n_plain = count_encoded_clips(plain)
    n_cached = count_encoded_clips(cached)
    want = evaluate(plain, micro_cfg)
    got = evaluate(cached, micro_cfg)
    # tiny preset: 2 test videos x 9 questions, batches of 4 questions.
    assert len(want) == 18 and got == want
    assert n_plain['clips'] == 18
    assert n_cached['clips'] == 2  # once per video, across 5 batches
    assert cached.video_cache.hits == 16 and len(cached.video_cache) == 2


def test_cache_unused_in_training_and_cleared_by_train(micro_cfg):
    model = build_model(micro_cfg, cache_size=8)
    evaluate(model, micro_cfg, batch_size=9)
    assert len(model.video_cache) == 2
    model.train()  # new weights may follow: old features must go
    assert len(model.video_cache) == 0
    model.eval()
    evaluate(model, micro_cfg, batch_size=9)
    assert len(model.video_cache) == 2
    # Loading weights through a parent module clears the cache too.
    torch.nn.Sequential(model).load_state_dict(
        torch.nn.Sequential(model).state_dict())
    assert len(model.video_cache) == 0
    model.train()
    ds_cfg = copy.deepcopy(micro_cfg.test_dataloader.dataset)
    ds_cfg['group_by_video'] = False
    batch = videoqa_collate([DATASETS.build(ds_cfg)[0]])
    data = model.data_preprocessor(batch, True)
    model(**data, mode='loss')['loss_lm'].backward()
    assert len(model.video_cache) == 0
    assert model.video_encoder.patch_embed.proj.weight.grad is not None


def test_lru_eviction_and_keys():
    cache = VideoFeatureCache(size=2)
    calls = []

    def encoder(x):
        calls.append(x.shape[0])
        return x * 2
    video = torch.arange(3.).view(3, 1)
    out = cache.encode(encoder, video, ['a', 'b', 'a'])  # repeat: once
    assert out.flatten().tolist() == [0., 2., 0.] and calls == [2]
    cache.encode(encoder, video[:1] + 5, ['c'])  # evicts 'a' (oldest)
    out = cache.encode(encoder, video[:2], ['a', 'b'])
    assert calls == [2, 1, 1] and out.flatten().tolist() == [0., 2.]
    cache.encode(encoder, video[:1], [None])  # no key: never stored
    assert len(cache) == 2 and calls[-1] == 1
    assert clip_key(dict(video_id='v', frame_inds=[1, 2])) == ('v', (1, 2))
    assert clip_key(dict(video_id='v', video_error='bad')) is None
    with pytest.raises(ValueError):
        VideoFeatureCache(size=-1)
