"""Parameters and compute of an mcg model, per module, with a frame sweep.

Example:
    python tools/analyze_flops.py          # configs/mcg/mcg_anetqa_8f.py
    python tools/analyze_flops.py CONFIG --num-frames 16 --img-size 224
    python tools/analyze_flops.py CONFIG --out-json flops.json --no-sweep

Compute is counted by fvcore and reported in GMACs (one multiply-add = one
"flop", the fvcore/mmengine convention; 2x that is real FLOPs). fvcore has no
handle for ``aten::scaled_dot_product_attention``, which every attention in
mcg runs through, so this tool registers one: QK^T plus attention x V, i.e.
``batch * heads * Lq * Lk * (d_qk + d_v)`` multiply-adds (causal masks are
not discounted). LayerNorm counts 5 per element as in fvcore; element-wise
ops (GELU, softmax, adds) count 0.

The model is built from the config with every ``pretrained`` set to None and
the offline tokenizer, so nothing is downloaded. Each stage is traced on its
own through the model's stage methods (``encode_video``, ``fuse``,
``head_memory``, the head's ``answer_compute``), for one question about one
video, so a new memory rule or head needs no change here:

* video encoder: one clip (T frames at S px, or T feature steps);
* text encoder: a question of ``--question-len`` tokens;
* fusor: that question against the clip's tokens;
* generator per token: one cached decoding step (cross-attention keys and
  values already cached, full LM head);
* generator per answer: ``--answer-len`` tokens (cross-attention keys and
  values computed once, every token once: the cost of cached greedy
  decoding; beam search multiplies it by about the beam size);
* heads: the head's answer pass (``answer_compute``), and multiple-choice
  scoring: ``--num-candidates`` times the stages the scorer re-runs per
  candidate (its ``candidate_stages``: text encoder + fusor for VTM
  scoring, the answer pass for likelihood ranking).
"""
from __future__ import annotations

import argparse
import json
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from mcg.apis.offline_model import build_offline_model
from mcg.layers.linear import pytorch_linears

DEFAULT_CONFIG = 'configs/mcg/mcg_anetqa_8f.py'
SWEEP = (2, 4, 8, 12, 16)
GIGA = 1e9


# -- counting -----------------------------------------------------------------
def sdpa_flop_jit(inputs: List, outputs: List) -> int:
    """fvcore handle: MACs of ``scaled_dot_product_attention``.

    q is (..., Lq, E), k (..., Lk, E), v (..., Lk, Ev): QK^T costs
    prod(...) * Lq * Lk * E and attention x V prod(...) * Lq * Lk * Ev.
    """
    from fvcore.nn.jit_handles import get_shape
    q, k, v = (get_shape(x) for x in inputs[:3])
    return int(np.prod(q[:-1])) * k[-2] * (q[-1] + v[-1])


def count_macs(module: nn.Module, inputs: tuple) -> int:
    """Multiply-adds of ``module(*inputs)`` by fvcore, SDPA included."""
    from fvcore.nn import FlopCountAnalysis
    module.eval()
    # pytorch_linears: fvcore counts aten::linear, not oneDNN's kernel.
    with torch.no_grad(), pytorch_linears(module):
        analysis = FlopCountAnalysis(module, inputs)
        analysis.set_op_handle('aten::scaled_dot_product_attention',
                               sdpa_flop_jit)
        analysis.unsupported_ops_warnings(False)
        analysis.uncalled_modules_warnings(False)
        return int(analysis.total())


def num_params(*modules: nn.Module) -> int:
    """Distinct parameters of the modules (shared ones counted once)."""
    seen = {id(p): p.numel() for m in modules for p in m.parameters()}
    return sum(seen.values())


class _Call(nn.Module):
    """Traceable wrapper: ``forward(*tensors) = fn(*tensors)``; keeps the
    last output so the next module can be fed tensors of the right shape.

    ``owner`` should be the whole model: the generator uses the text
    encoder's embeddings, and the tracer only accepts parameters of the
    traced module.
    """

    def __init__(self, owner: nn.Module, fn) -> None:
        super().__init__()
        self.owner = owner
        self.fn = fn
        self.last: Optional[Tensor] = None

    def forward(self, *args):
        out = self.fn(*args)
        self.last = out.detach()
        return out


# -- building -----------------------------------------------------------------
def build(cfg, num_frames: Optional[int] = None,
          img_size: Optional[int] = None) -> nn.Module:
    """Build the model of ``cfg`` without downloads (see module doc)."""
    return build_offline_model(cfg, num_frames,
                               img_size).eval().requires_grad_(False)


def dummy_video(encoder: nn.Module, num_frames: int,
                img_size: int) -> Tensor:
    """One clip: (1, T, 3, S, S) frames, or (1, T, D, 1, 1) features."""
    if hasattr(encoder, 'in_dims'):
        return torch.zeros(1, num_frames, encoder.in_dims, 1, 1)
    return torch.zeros(1, num_frames, 3, img_size, img_size)


def frames_and_size(model: nn.Module, num_frames: Optional[int],
                    img_size: Optional[int]):
    enc = model.video_encoder
    t = num_frames or getattr(enc, 'num_frames', 8)
    if hasattr(enc, 'in_dims'):  # pre-extracted features: no resolution
        return t, None
    s = img_size
    if s is None and hasattr(enc, 'patch_embed'):
        s = enc.patch_embed.img_size[0]
    return t, s or 224


# -- analysis -----------------------------------------------------------------
#: The single clip every question of the analysis is about.
ONE_CLIP = torch.zeros(1, dtype=torch.long)


def video_and_fusor(model: nn.Module, num_frames: int, img_size: int,
                    text: Tensor, text_mask: Tensor) -> Dict:
    """MACs of the video encoder and of the fusor on its tokens.

    Returns:
        The MACs, the number of video tokens, and the (zero) clip tokens and
        fused states for the next stages.
    """
    video = _Call(model, model.encode_video)
    macs_v = count_macs(video, (dummy_video(model.video_encoder, num_frames,
                                            img_size), ))
    clips = torch.zeros_like(video.last)
    fusor = _Call(model,
                  lambda t, m, c: model.fuse(t, m, c, ONE_CLIP)[0])
    macs_f = count_macs(fusor, (text, text_mask, clips))
    return dict(video=macs_v, fusor=macs_f, video_tokens=clips.shape[1],
                clips=clips, fused=fusor.last)


def answer_macs(model: nn.Module, fused: Tensor, clips: Tensor,
                answer_len: int) -> int:
    """MACs of the head answering one question from its memory.

    The memory is the model's own (``head_memory``: the fused states, plus
    whatever its memory rule adds), and the head runs ``answer_compute``:
    for a generator a pass over ``answer_len`` tokens with the LM head at
    every position, which is what cached greedy decoding computes
    (cross-attention keys/values once, each token once).
    """
    mask = torch.ones(fused.shape[:2], dtype=torch.long)

    def answer(f: Tensor, c: Tensor) -> Tensor:
        memory, memory_mask = model.head_memory(f, mask, c, ONE_CLIP)
        return model.head.answer_compute(memory, memory_mask, answer_len)
    return count_macs(_Call(model, answer), (fused, clips))


def analyse(cfg, num_frames: Optional[int] = None,
            img_size: Optional[int] = None, question_len: int = 32,
            answer_len: Optional[int] = None, num_candidates: int = 5,
            sweep: Sequence[int] = SWEEP) -> dict:
    """Parameters and GMACs per module, total, and a frame sweep.

    Returns:
        A JSON-serialisable dict (what ``--out-json`` writes).
    """
    model = build(cfg, num_frames, img_size)
    t, s = frames_and_size(model, num_frames, img_size)
    head = model.head
    answer_len = answer_len or getattr(head, 'max_decode_len', 10)
    ids = torch.full((1, question_len), 1000, dtype=torch.long)
    mask = torch.ones(1, question_len, dtype=torch.long)
    # Token ids, not text: the question length is the tool's setting,
    # whatever padding the model's tokenizer is configured with.
    text_call = _Call(model, model.text_encoder)
    macs_text = count_macs(text_call, (ids, mask))
    text = torch.zeros_like(text_call.last)
    vf = video_and_fusor(model, t, s, text, mask)
    clip = f'{t} frames at {s} px' if s else f'{t} feature steps'
    rows = [dict(module='video encoder', params=num_params(
        model.video_encoder), gmacs=vf['video'] / GIGA,
        note=f'{clip}, {vf["video_tokens"]} tokens'),
        dict(module='text encoder', params=num_params(model.text_encoder),
             gmacs=macs_text / GIGA, note=f'{question_len} tokens'),
        dict(module='fusor', params=num_params(model.fusor),
             gmacs=vf['fusor'] / GIGA,
             note=f'question x {vf["video_tokens"]} video tokens')]
    per_answer = answer_macs(model, vf['fused'], vf['clips'], answer_len)
    if head.generates_tokens:
        # The marginal cost of one more token (the traced cache path is not
        # used: the tracer turns its shape test into a tensor).
        per_token = per_answer - answer_macs(model, vf['fused'], vf['clips'],
                                             max(answer_len - 1, 1))
        beams = getattr(head, 'num_beams', 1)
        rows += [dict(module='generator / token', params=num_params(head),
                      gmacs=per_token / GIGA,
                      note='one more token (cached), LM head'),
                 dict(module='generator / answer', params=None,
                      gmacs=per_answer / GIGA,
                      note=f'{answer_len} tokens, greedy'
                      + (f'; beam {beams} ~x{beams}' if beams > 1 else ''))]
    else:
        rows.append(dict(module=f'head ({type(head).__name__})',
                         params=num_params(head),
                         gmacs=per_answer / GIGA,
                         note=f'{getattr(head, "num_classes", "?")} classes'))
    loss_params = num_params(model.losses) if len(model.losses) else 0
    if loss_params:
        rows.append(dict(module='loss heads (ICL/TCL/VTM)',
                         params=loss_params, gmacs=None,
                         note='training only'))
    scorer = head.choice_scorer
    extra = 0
    if scorer is not None:
        stage_macs = {'text encoder': macs_text, 'fusor': vf['fusor'],
                      'answer pass': per_answer}
        extra = num_candidates * sum(stage_macs[name]
                                     for name in scorer.candidate_stages)
        note = (f'{num_candidates} x '
                f'({" + ".join(scorer.candidate_stages)})')
        rows.append(dict(module=f'choice scoring ({type(scorer).__name__})',
                         params=None, gmacs=extra / GIGA, note=note))
    total = vf['video'] + macs_text + vf['fusor'] + per_answer + extra
    result = dict(
        config=getattr(cfg, 'filename', None), num_frames=t, img_size=s,
        question_len=question_len, answer_len=answer_len,
        convention='GMACs: multiply-adds / 1e9 (fvcore), SDPA counted',
        params=num_params(model), total_gmacs=total / GIGA, modules=rows,
        sweep=[])
    for frames in sweep:
        if frames == t:
            sv = vf
        else:
            swept = build(cfg, frames, img_size)
            sv = video_and_fusor(swept, frames, s, text, mask)
        result['sweep'].append(dict(
            num_frames=frames, video_gmacs=sv['video'] / GIGA,
            fusor_gmacs=sv['fusor'] / GIGA,
            total_gmacs=(total - vf['video'] - vf['fusor'] + sv['video']
                         + sv['fusor']) / GIGA))
    return result


# -- output -------------------------------------------------------------------
def format_report(result: dict) -> str:
    """The tables printed by the tool."""
    def fmt_params(p):
        return '-' if p is None else f'{p / 1e6:.2f}M'

    def fmt_g(g):
        return '-' if g is None else f'{g:.2f}'
    clip = (f'{result["num_frames"]} frames x {result["img_size"]} px'
            if result['img_size'] else
            f'{result["num_frames"]} feature steps')
    lines = [f'config: {result["config"]}',
             f'input: {clip}, question {result["question_len"]} tokens, '
             f'answer {result["answer_len"]} tokens; {result["convention"]}',
             '',
             f'| {"module":<38} | {"params":>9} | {"GMACs":>9} | note',
             f'|{"-" * 40}|{"-" * 11}|{"-" * 11}|------']
    for row in result['modules']:
        lines.append(f'| {row["module"]:<38} | {fmt_params(row["params"]):>9}'
                     f' | {fmt_g(row["gmacs"]):>9} | {row["note"]}')
    lines.append(f'| {"total (one question, answer decoded)":<38} | '
                 f'{fmt_params(result["params"]):>9} | '
                 f'{result["total_gmacs"]:>9.2f} |')
    if result['sweep']:
        base = next((r['total_gmacs'] for r in result['sweep']
                     if r['num_frames'] == result['num_frames']),
                    result['total_gmacs'])
        lines += ['', 'frame sweep (same resolution):',
                  '| frames | video GMACs | fusor GMACs | total GMACs | '
                  'vs config |', '|---|---|---|---|---|']
        for r in result['sweep']:
            lines.append(f'| {r["num_frames"]} | {r["video_gmacs"]:.1f} | '
                         f'{r["fusor_gmacs"]:.2f} | {r["total_gmacs"]:.1f} | '
                         f'x{r["total_gmacs"] / base:.2f} |')
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG,
                        help=f'config file (default {DEFAULT_CONFIG})')
    parser.add_argument('--num-frames', type=int,
                        help='frames per clip (default: the config\'s)')
    parser.add_argument('--img-size', type=int,
                        help='frame size in px (default: the config\'s)')
    parser.add_argument('--question-len', type=int, default=32,
                        help='question tokens, [CLS]/[SEP] included')
    parser.add_argument('--answer-len', type=int,
                        help='answer tokens decoded (default: the head\'s '
                        'max_decode_len)')
    parser.add_argument('--num-candidates', type=int, default=5,
                        help='candidates per multiple-choice question')
    parser.add_argument('--sweep', type=int, nargs='*', default=list(SWEEP),
                        help='frame counts of the sweep')
    parser.add_argument('--no-sweep', action='store_true',
                        help='skip the frame sweep')
    parser.add_argument('--out-json', help='also write the numbers here')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    torch.set_grad_enabled(False)
    result = analyse(cfg, args.num_frames, args.img_size, args.question_len,
                     args.answer_len, args.num_candidates,
                     () if args.no_sweep else args.sweep)
    result['config'] = args.config
    print(format_report(result))
    if args.out_json:
        with open(args.out_json, 'w', encoding='utf-8') as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == '__main__':
    main()
