"""Shared bits of the conversion scripts: reading sources, writing results."""
import json
import os
import os.path as osp
import sys

import torch


def save(conv, dst: str, source: str, prefix: str = '',
         extra_meta: dict = None) -> None:
    """Write ``{'state_dict', 'meta'}`` (MMEngine ``load_from`` reads it).

    ``meta.mcg_conversion`` records the source and, per key, what was mapped,
    dropped (with the reason) and synthesised, so a converted file documents
    itself.
    """
    meta = dict(source=source, mapped=conv.mapped, dropped=conv.dropped,
                added=conv.added, **(extra_meta or {}))
    state = {prefix + k: v.contiguous() for k, v in conv.state_dict.items()}
    torch.save(dict(state_dict=state, meta=dict(mcg_conversion=meta)), dst)
    print(conv.summary())
    print(f'wrote {len(state)} tensors to {dst}')


def dump_report(conv, path: str) -> None:
    """Write the mapped/dropped/added record as JSON."""
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(dict(mapped=conv.mapped, dropped=conv.dropped,
                       added=conv.added), f, indent=1, sort_keys=True)


def load_source(loader, src: str, asset: str):
    """``loader(src)``, or exit with a message naming the asset and places."""
    try:
        return loader(src)
    except (OSError, ValueError) as exc:
        where = (f'the local file {src}' if os.path.exists(src) else
                 f'the local path {osp.abspath(src)} and the Hugging Face '
                 'hub/cache (HF_HOME='
                 f'{os.environ.get("HF_HOME", "~/.cache/huggingface")})')
        first = str(exc).splitlines()[0] if str(exc) else ''
        sys.exit(f'error: could not load the {asset} {src!r}: looked in '
                 f'{where}. {type(exc).__name__}: {first}')
