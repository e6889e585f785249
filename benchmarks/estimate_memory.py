"""Training memory per GPU at a config's setting, estimated on the meta device.

Builds the config's model on the ``meta`` device (no weights are allocated,
no hub access: pretrained weights are switched off, the offline BERT
vocabulary stands in for the tokenizer), runs one training forward (the
losses) on a batch of ``--videos`` clips with ``--questions`` questions each,
and counts what autograd keeps for backward through saved-tensor hooks. The
estimate per GPU is

* model states: fp32 parameters, gradients and AdamW's two moments (16 bytes
  per trainable parameter, 4 per frozen one);
* activations: the saved tensors at the end of the forward (each storage
  once; parameters excluded);
* with gradient checkpointing, plus the largest block's activations, which
  backward recomputes one block at a time.

Not counted: the CUDA context (~0.5 GiB), DDP's gradient buckets (+4 bytes
per parameter), allocator fragmentation, temporaries of backward. Attention
is counted as the GPU runs it (SDPA's fused kernels keep no B x H x L^2
probabilities).

Usage::

    python benchmarks/estimate_memory.py                      # anetqa, 4/8/16
    python benchmarks/estimate_memory.py --videos 1 --config \\
        configs/shapesqa/mcg_tiny_shapesqa.py                 # quick
"""
from __future__ import annotations

import argparse
import copy
import os.path as osp
from contextlib import contextmanager
from typing import Dict, Iterator, List

import torch
from torch import nn

from mcg.apis.offline_model import OFFLINE_VOCAB

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
GIB = 2**30
COMPONENTS = ('video_encoder', 'text_encoder', 'fusor', 'head')


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', default='configs/mcg/mcg_anetqa_8f.py')
    p.add_argument('--videos', default='4,8,16',
                   help='videos (clips) per GPU, comma-separated')
    p.add_argument('--questions', type=int, default=10,
                   help='questions per video (ActivityNet-QA: ~10)')
    p.add_argument('--question-words', type=int, default=12,
                   help='words per question (tokens: about one per word, '
                   'plus [CLS]/[SEP])')
    p.add_argument('--answer-words', type=int, default=2)
    p.add_argument('--attention', default='fused', choices=('fused', 'math'),
                   help="'fused': count attention as SDPA's fused GPU "
                   "kernels keep it (inputs, output, log-sum-exp); 'math': "
                   'also the B x H x L^2 probabilities')
    p.add_argument('--device', default='meta',
                   help="'meta' (no memory used) or 'cpu' (real tensors, "
                   'to check the estimate on a small config)')
    return p.parse_args(argv)


def fused_sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False,
               scale=None, enable_gqa=False):
    """SDPA through the memory-efficient kernel's op (it has a meta kernel;
    SDPA itself falls back to the math path on the meta device)."""
    bias = attn_mask
    if bias is not None:
        if bias.dtype == torch.bool:
            bias = torch.zeros(bias.shape, dtype=q.dtype, device=q.device
                               ).masked_fill(~bias, float('-inf'))
        bias = bias.expand(*q.shape[:-1], k.shape[-2])
    if q.device.type == 'cpu':       # the same saved tensors, CPU's kernel
        return torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(
            q, k, v, dropout_p, is_causal, attn_mask=bias, scale=scale)[0]
    return torch.ops.aten._scaled_dot_product_efficient_attention(
        q, k, v, bias, True, dropout_p, is_causal, scale=scale)[0]


@contextmanager
def count_saved(counter: Dict[str, int],
                params: List[nn.Parameter]) -> Iterator[None]:
    """Count bytes autograd saves, each storage once, parameters excluded.

    Works on the meta device, where every tensor's data pointer is 0: a
    storage is identified by the tensor (or the base of the view) that
    holds it, kept alive so its id is not reused.
    """
    skip = {id(p) for p in params}
    seen: Dict[int, torch.Tensor] = {}

    def pack(t):
        base = t if t._base is None else t._base
        if id(base) not in skip and id(base) not in seen:
            seen[id(base)] = base
            counter['bytes'] += base.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        yield


def build_model(config: str, checkpointing: bool, device: str = 'meta'):
    """The config's model on ``device``, offline, in training mode."""
    from mmengine.config import Config

    import mcg.registry.autoload  # noqa: F401  (registers mcg modules)
    from mcg.registry import MODELS
    cfg = copy.deepcopy(Config.fromfile(osp.join(REPO, config)).model)
    cfg['tokenizer']['name_or_path'] = OFFLINE_VOCAB
    for name in COMPONENTS:
        part = cfg[name]
        if 'pretrained' in part:
            part['pretrained'] = None
        if name == 'text_encoder' and part.get('config') is None:
            part['config'] = dict(vocab_size=30522)     # BERT-base
        if name != 'text_encoder':
            part['attn_impl'] = 'sdpa'      # what a GPU runs
        part['gradient_checkpointing'] = checkpointing
    # Built on the CPU (some inits read values back, e.g. HF's resized
    # embeddings), then moved to the meta device for the forward.
    model = MODELS.build(cfg).to(device)
    return model.train(), cfg


def samples_for(videos: int, questions: int, q_words: int, a_words: int):
    from mcg.structures import VideoQADataSample
    out = []
    for v in range(videos):
        for q in range(questions):
            s = VideoQADataSample(metainfo=dict(
                question=' '.join(['what'] * q_words), video_index=v,
                question_id=f'{v}_{q}'))
            s.gt_answer = ' '.join(['red'] * a_words)
            out.append(s)
    return out


def blocks_of(model) -> List[nn.Module]:
    """The repeated blocks of each component (what checkpointing wraps)."""
    found = []
    for name in COMPONENTS:
        comp = getattr(model, name)
        for mod in comp.modules():
            if isinstance(mod, nn.ModuleList) and len(mod) > 1:
                found.extend(mod)
                break
    return found


def measure(model, cfg, videos: int, args) -> Dict[str, float]:
    """Saved bytes of one training forward, in total and per component."""
    enc = cfg['video_encoder']
    frames = enc.get('num_frames', 8)
    size = enc.get('img_size', 224)
    video = torch.randn(videos, frames, 3, size, size, device=args.device)
    samples = samples_for(videos, args.questions, args.question_words,
                          args.answer_words)
    params = list(model.parameters())
    counter = {'bytes': 0}
    parts: Dict[str, float] = {}
    hooks = []
    block_bytes = [0]

    def track(key, is_block):
        def pre(mod, inp):
            mod._mcg_start = counter['bytes']

        def post(mod, inp, out):
            used = counter['bytes'] - mod._mcg_start
            if is_block:
                block_bytes[0] = max(block_bytes[0], used)
            else:
                parts[key] = parts.get(key, 0) + used
        return pre, post

    for name in COMPONENTS[:-1]:      # the head is run by loss_inputs
        pre, post = track(name, False)
        mod = getattr(model, name)
        hooks += [mod.register_forward_pre_hook(pre),
                  mod.register_forward_hook(post)]
    for block in blocks_of(model):
        pre, post = track(None, True)
        hooks += [block.register_forward_pre_hook(pre),
                  block.register_forward_hook(post)]
    from unittest import mock

    import torch.fx.experimental._config as fx_config

    # Boolean indexing (the LM head scores real answer tokens only) needs
    # nonzero(): on meta it may assume every element is set, which holds
    # here (all answers have the same length, so no padding).
    fx_config.meta_nonzero_assume_all_nonzero = True
    # HF's BERT asks whether its padding mask is all ones (a value the meta
    # device does not have) to skip the mask; keeping the mask is what a
    # padded batch does anyway.
    # The generator checks that every answer token has an output column
    # (a read-back); the estimate's answers are in the vocabulary.
    head = model.head
    loss_inputs = head.loss_inputs

    def tracked_loss_inputs(*a, **kw):
        start = counter['bytes']
        out = loss_inputs(*a, **kw)
        parts['head'] = parts.get('head', 0) + counter['bytes'] - start
        return out

    with count_saved(counter, params), mock.patch(
            'transformers.masking_utils._ignore_bidirectional_mask_sdpa',
            return_value=False), mock.patch(
                'torch.nn.functional.scaled_dot_product_attention',
                fused_sdpa if args.attention == 'fused' else
                torch.nn.functional.scaled_dot_product_attention
            ), mock.patch.object(
                head, 'to_output_index',
                lambda ids: head.output_columns(ids)[0]), mock.patch.object(
                    head, 'loss_inputs', tracked_loss_inputs):
        model.loss(video, samples)
    for h in hooks:
        h.remove()
    parts['rest'] = counter['bytes'] - sum(parts.values())
    parts['saved'] = counter['bytes']
    parts['largest_block'] = block_bytes[0]
    return parts


def model_state_bytes(model) -> float:
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters()
                 if not p.requires_grad)
    return 16 * trainable + 4 * frozen


def main(argv=None) -> List[Dict[str, float]]:
    args = parse_args(argv)
    rows = []
    for ckpt in (False, True):
        model, cfg = build_model(args.config, ckpt, args.device)
        states = model_state_bytes(model)
        for videos in (int(v) for v in args.videos.split(',')):
            if ckpt:
                # What backward recomputes at once: one block, measured
                # without checkpointing.
                plain, _ = build_model(args.config, False, args.device)
                largest = measure(plain, cfg, videos, args)['largest_block']
            parts = measure(model, cfg, videos, args)
            peak = parts['saved'] + (largest if ckpt else 0)
            rows.append(dict(videos=videos, checkpointing=ckpt,
                             states=states, peak_activations=peak,
                             total=states + peak, **parts))
    print(f'config: {args.config}; {args.questions} questions/video of '
          f'~{args.question_words} words, answers of {args.answer_words} '
          f'words; fp32 weights and AdamW; attention counted as '
          f'{args.attention}; device {args.device}; GiB')
    print('| videos/GPU | checkpointing | model states | video enc. | '
          'text enc. | fusor | generator | rest | activations (peak) | '
          'total per GPU |')
    print('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    for r in rows:
        cells = [r[k] / GIB for k in ('states', 'video_encoder',
                                      'text_encoder', 'fusor', 'head',
                                      'rest', 'peak_activations', 'total')]
        print(f"| {r['videos']} | {'yes' if r['checkpointing'] else 'no'} | "
              + ' | '.join(f'{c:.2f}' for c in cells[:-1])
              + f' | **{cells[-1]:.1f} GiB** |')
    return rows


if __name__ == '__main__':
    main()
