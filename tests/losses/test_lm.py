"""LanguageModelingLoss: both reductions against plain loops, through the
shipped demo config's model, and under two gloo ranks."""
import copy
import math
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from mmengine.config import Config

from mcg.heads.base import select_memory
from mcg.losses import LanguageModelingLoss
from mcg.registry import MODELS
from mcg.structures import HeadOutput, VideoQADataSample
from tests.conftest import REPO
from tests.losses.helpers import features

# Answers of 1, 2 and 4 tokens (+ [SEP]): the reductions differ only when
# the lengths do.
ANSWERS = ['red', 'red circle', 'the red circle moves']


def micro_model(micro_cfg, **lm):
    cfg = copy.deepcopy(micro_cfg.model)
    cfg['losses'] = dict(lm=dict(cfg['losses']['lm'], **lm))
    cfg['head']['output_vocab'] = None       # the answers' tokens may be new
    torch.manual_seed(0)
    return MODELS.build(cfg).eval()


def batch(model):
    g = torch.Generator().manual_seed(0)
    video = torch.randint(0, 256, (len(ANSWERS), 8, 3, 64, 64),
                          dtype=torch.uint8, generator=g)
    samples = []
    for i, answer in enumerate(ANSWERS):
        s = VideoQADataSample(metainfo=dict(question='what is there',
                                            question_id=str(i),
                                            video_index=i))
        s.gt_answer = answer
        samples.append(s)
    return model.data_preprocessor(dict(inputs=video, data_samples=samples),
                                   True)


def loop_token_losses(model, data, smoothing=0.0):
    """Per answer, the list of its token losses, one decoder run per answer
    and one position at a time."""
    head = model.head
    with torch.no_grad():
        feats = model.extract_feat(data['inputs'], data['data_samples'])
    out = []
    for row, sample in enumerate(data['data_samples']):
        ids = head.tokenizer(sample.gt_answer,
                             add_special_tokens=False)['input_ids']
        seq = [head.gen_id] + ids + [head.sep_id]
        memory = select_memory(feats.memory, torch.tensor([row]))
        with torch.no_grad():
            states = head.decode_states(torch.tensor([seq[:-1]]), memory,
                                        feats.memory_mask[row:row + 1])
            logp = head.logits(states)[0].float().log_softmax(-1)
        losses = []
        for t, target in enumerate(seq[1:]):
            nll = -logp[t, target].item()
            uniform = -logp[t].mean().item()
            losses.append((1 - smoothing) * nll + smoothing * uniform)
        out.append(losses)
    return out


@pytest.mark.parametrize('smoothing', [0.0, 0.1])
def test_both_reductions_match_a_plain_loop(micro_cfg, smoothing):
    per_reduction = {}
    for reduction in ('token_mean', 'sequence_sum'):
        model = micro_model(micro_cfg, reduction=reduction,
                            label_smoothing=smoothing)
        data = batch(model)
        with torch.no_grad():
            per_reduction[reduction] = model(**data, mode='loss')['loss_lm']
    tokens = loop_token_losses(model, data, smoothing)
    assert [len(t) for t in tokens] == [2, 3, 5]
    token_mean = sum(map(sum, tokens)) / sum(map(len, tokens))
    sequence_sum = sum(map(sum, tokens)) / len(tokens)
    assert per_reduction['token_mean'].item() == pytest.approx(
        token_mean, rel=1e-5)
    assert per_reduction['sequence_sum'].item() == pytest.approx(
        sequence_sum, rel=1e-5)
    # Here sequence_sum = token_mean * 10 tokens / 3 answers.
    assert sequence_sum / token_mean == pytest.approx(10 / 3)


def test_unknown_reduction_is_refused():
    with pytest.raises(ValueError, match='sequence_sum'):
        LanguageModelingLoss(reduction='mean')


def test_sequence_sum_needs_the_answer_count():
    logits, targets = torch.randn(4, 7), torch.tensor([1, 2, 3, 4])
    without = features(head_outputs=dict(lm=HeadOutput(logits, targets)))
    with pytest.raises(ValueError, match='num_sequences'):
        LanguageModelingLoss(reduction='sequence_sum')(without)
    assert torch.isfinite(LanguageModelingLoss()(without).loss)
    with_count = features(head_outputs=dict(lm=HeadOutput(
        logits, targets, num_sequences=2)))
    total = LanguageModelingLoss(reduction='sequence_sum')(with_count).loss
    assert total.item() == pytest.approx(
        4 * LanguageModelingLoss()(without).loss.item() / 2, rel=1e-6)


@pytest.mark.parametrize('config, reduction', [
    ('configs/shapesqa/mcg_tiny_shapesqa.py', 'token_mean'),
    ('configs/shapesqa/mcg_tiny_shapesqa_pretrain.py', 'token_mean'),
    ('configs/mcg/mcg_anetqa_8f.py', 'sequence_sum'),
    ('configs/mcg/mcg_pretrain_webvid-cc3m-tgif_4f.py', 'sequence_sum'),
    ('configs/mcg/variants/mcg_official-layout_anetqa_8f.py',
     'sequence_sum'),
])
def test_shipped_configs_state_their_reduction(config, reduction):
    lm = Config.fromfile(os.path.join(REPO, config)).model.losses.lm
    assert lm.reduction == reduction


# -- two gloo ranks, uneven shards ------------------------------------------
# Per rank: the token count of each of its answers.
SHARDS = [[2, 3], [5, 1, 1, 4]]
VOCAB = 7


def global_tokens(seed=0):
    g = torch.Generator().manual_seed(seed)
    n = sum(map(sum, SHARDS))
    return (torch.randn(n, VOCAB, generator=g),
            torch.randint(0, VOCAB, (n,), generator=g))


def _worker(rank, world, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=world)
    try:
        logits, targets = global_tokens()
        start = sum(map(sum, SHARDS[:rank]))
        end = start + sum(SHARDS[rank])
        results = {}
        for reduction in ('token_mean', 'sequence_sum'):
            x = logits[start:end].clone().requires_grad_(True)
            loss = LanguageModelingLoss(reduction=reduction)(features(
                head_outputs=dict(lm=HeadOutput(
                    x, targets[start:end],
                    num_sequences=len(SHARDS[rank]))))).loss
            loss.backward()
            results[reduction] = dict(loss=loss.detach(), grad=x.grad)
        torch.save(results, os.path.join(out_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope='module')
def rank_results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('gloo_lm')
    mp.spawn(_worker, args=(2, str(tmp / 'init'), str(tmp)), nprocs=2,
             join=True)
    return [torch.load(tmp / f'rank{r}.pt') for r in range(2)]


@pytest.mark.slow
@pytest.mark.parametrize('reduction', ['token_mean', 'sequence_sum'])
def test_two_ranks_equal_one_process(rank_results, reduction):
    logits, targets = global_tokens()
    logits.requires_grad_(True)
    nll = F.cross_entropy(logits, targets, reduction='none')
    if reduction == 'token_mean':
        expected = nll.mean()
    else:
        per_answer = nll.split([n for shard in SHARDS for n in shard])
        expected = sum(x.sum() for x in per_answer) / sum(map(len, SHARDS))
    expected.backward()
    ranks = [r[reduction] for r in rank_results]
    # What DDP computes: the mean of the rank losses and of the gradients.
    assert math.isclose(sum(r['loss'].item() for r in ranks) / 2,
                        expected.item(), rel_tol=1e-5)
    assert torch.allclose(torch.cat([r['grad'] for r in ranks]) / 2,
                          logits.grad, atol=1e-6)
