"""Load a config with command-line overrides that take effect.

MMEngine evaluates a config file once: ``data_root = 'data/shapesqa'`` and
``max_epochs = 18`` are plain Python variables whose values are copied into
the dataloaders, the head's vocabulary path, the schedule and the checkpoint
interval while the file runs. ``Config.merge_from_dict({'data_root': '/x'})``
afterwards only changes the top-level key, which nothing reads any more, so
the override is accepted and silently does nothing.

:func:`load_config` fixes that by evaluating the config again with the
variable's assignment replaced by the override: every file of the ``_base_``
chain that assigns the variable is copied to a temporary folder with that
one right-hand side rewritten (and its ``_base_`` entries pointing at the
copies), and MMEngine reads the copies as usual. Overrides of keys nothing
in the config reads as a variable (``model.head.num_beams=3``) are merged as
before; a new top-level key that neither the config nor the Runner knows
(``max_epoch=2``) is refused with the keys that do work.
"""
from __future__ import annotations

import ast
import copy
import inspect
import os.path as osp
import re
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from mmengine.config import Config
from mmengine.runner import FlexibleRunner, Runner

from mcg.registry.builders import suggest

#: MMEngine's text placeholders (predefined, environment and base
#: variables); masked to same-length names so the file parses.
_PLACEHOLDER = re.compile(r'\{\{.*?\}\}')
_BASE_PLACEHOLDER = re.compile(r'\{\{\s*_base_\.(\w+)')
_PREDEFINED = ('fileDirname', 'fileBasename', 'fileBasenameNoExtension',
               'fileExtname')
#: Top-level keys the Runner (or mcg's launch code, e.g. mcg.engine.precision)
#: reads from a config even when the config file does not set them; add a
#: key here when mcg starts reading a new one.
_RUNNER_KEYS = ('model_wrapper_cfg', 'runner_type', 'custom_imports',
                'strategy', 'compile', 'launcher', 'work_dir', 'resume',
                'load_from', 'experiment_name', 'auto_scale_lr',
                'gpu_precision', 'cpu_precision')


class ConfigOverrideError(ValueError):
    """An override that cannot take effect."""


@dataclass
class _ConfigFile:
    """One ``.py`` file of a config's ``_base_`` chain, parsed."""
    path: str
    data: bytes
    tree: ast.Module
    bases: List[Tuple[str, Optional[str]]] = field(default_factory=list)
    """``(entry as written, absolute path or None)``; None for a package
    reference (``pkg::path``)."""


def _parse(path: str) -> Tuple[bytes, ast.Module]:
    with open(path, 'rb') as f:
        data = f.read()
    masked = _PLACEHOLDER.sub(lambda m: '_' * len(m.group(0).encode()),
                              data.decode('utf-8'))
    return data, ast.parse(masked, filename=path)


def _base_entries(tree: ast.Module) -> List[str]:
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == '_base_'):
            value = ast.literal_eval(node.value)
            return [value] if isinstance(value, str) else list(value)
    return []


def _read_chain(path: str, chain: Dict[str, _ConfigFile]) -> None:
    path = osp.abspath(path)
    if path in chain:
        return
    data, tree = _parse(path)
    entry = _ConfigFile(path, data, tree)
    chain[path] = entry
    for base in _base_entries(tree):
        resolved = None
        if '::' not in base:
            resolved = osp.abspath(osp.join(osp.dirname(path),
                                            osp.expanduser(base)))
            if resolved.endswith('.py'):
                _read_chain(resolved, chain)
        entry.bases.append((base, resolved))


def _assignments(tree: ast.Module) -> Dict[str, List[ast.AST]]:
    """``{name: [value nodes]}`` of the file's top-level assignments.

    A value node is None where the name is bound in a form this module
    cannot rewrite (``a, b = pair``, ``x += 1``, ``for x in ...``).
    """
    found: Dict[str, List] = {}
    for node in tree.body:
        targets, value = [], None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Name):
                found.setdefault(target.id, []).append(value)
            elif isinstance(target, (ast.Tuple, ast.List)):
                parts = (value.elts if isinstance(value, (ast.Tuple, ast.List))
                         and len(value.elts) == len(target.elts)
                         else [None] * len(target.elts))
                for elt, part in zip(target.elts, parts):
                    if isinstance(elt, ast.Name):
                        found.setdefault(elt.id, []).append(part)
    return found


def _read_names(entry: _ConfigFile) -> Set[str]:
    """Names the file's code reads: variables and ``_base_.<name>``."""
    names = set(_BASE_PLACEHOLDER.findall(entry.data.decode('utf-8')))
    for node in ast.walk(entry.tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif (isinstance(node, ast.Attribute)
              and isinstance(node.value, ast.Name)
              and node.value.id == '_base_'):
            names.add(node.attr)
        elif (isinstance(node, ast.Subscript)
              and isinstance(node.value, ast.Name)
              and node.value.id == '_base_'
              and isinstance(node.slice, ast.Constant)):
            names.add(str(node.slice.value))
    return names


def consumed_variables(path: str) -> Set[str]:
    """Top-level variables of a config that other config code reads.

    Overriding one of these after the config was evaluated would change
    only the top-level key, not the values computed from it. Keys the
    Runner reads itself (``val_evaluator``, which a config may copy into
    ``test_evaluator``) are left out: they keep MMEngine's merge semantics.

    Args:
        path: The config file.

    Returns:
        The variable names (``data_root``, ``max_epochs``, ...).
    """
    chain: Dict[str, _ConfigFile] = {}
    _read_chain(path, chain)
    assigned: Set[str] = set()
    read: Set[str] = set()
    for entry in chain.values():
        assigned |= set(_assignments(entry.tree)) - {'_base_'}
        read |= _read_names(entry)
    return (assigned & read) - set(_runner_keys())


def _literal(name: str, value) -> str:
    text = repr(value)
    try:
        same = ast.literal_eval(text) == value
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise ConfigOverrideError(
            f'cannot override {name}: its new value {text[:80]} is not a '
            'plain Python literal')
    return text


def _offsets(data: bytes) -> List[int]:
    starts, pos = [0], 0
    for line in data.splitlines(keepends=True):
        pos += len(line)
        starts.append(pos)
    return starts


def _rewrite(entry: _ConfigFile, values: Dict[str, str],
             copies: Dict[str, str]) -> bytes:
    """The file's bytes with overridden right-hand sides and absolute bases.

    Args:
        entry: The parsed file.
        values: ``{variable: Python literal}``.
        copies: ``{original path: copy path}`` of the chain's files.
    """
    starts = _offsets(entry.data)
    edits: List[Tuple[int, int, bytes]] = []

    def span(node: ast.AST) -> Tuple[int, int]:
        # ast column offsets count UTF-8 bytes.
        return (starts[node.lineno - 1] + node.col_offset,
                starts[node.end_lineno - 1] + node.end_col_offset)

    for name, nodes in _assignments(entry.tree).items():
        if name == '_base_':
            node = nodes[0]
            bases = [copies.get(resolved, resolved) or base
                     for base, resolved in entry.bases]
            edits.append(span(node) + (repr(bases).encode(), ))
        elif name in values:
            for node in nodes:
                if node is None:
                    raise ConfigOverrideError(
                        f'cannot override {name}: {entry.path} binds it in '
                        'a form other than "name = value"; override the '
                        'keys computed from it instead')
                edits.append(span(node) + (values[name].encode(), ))
    data = entry.data
    for begin, end, text in sorted(edits, reverse=True):
        data = data[:begin] + text + data[end:]
    # MMEngine substitutes these from the file's own location; the copy
    # lives elsewhere, so substitute them from the original's.
    text = data.decode('utf-8')
    stem, ext = osp.splitext(osp.basename(entry.path))
    known = dict(fileDirname=osp.dirname(entry.path),
                 fileBasename=osp.basename(entry.path),
                 fileBasenameNoExtension=stem, fileExtname=ext)
    for key in _PREDEFINED:
        text = re.sub(r'\{\{\s*' + key + r'\s*\}\}',
                      known[key].replace('\\', '/'), text)
    return text.encode('utf-8')


def _evaluate_with(path: str, values: Dict[str, str], text: str) -> Config:
    """Evaluate the config at ``path`` with ``values`` assigned instead."""
    chain: Dict[str, _ConfigFile] = {}
    _read_chain(path, chain)
    leaf = osp.abspath(path)
    with tempfile.TemporaryDirectory(prefix='mcg_cfg_') as folder:
        # The leaf keeps its name: MMEngine names the dumped config after it.
        copies = {p: osp.join(folder, osp.basename(p) if p == leaf else
                              f'base{i}_{osp.basename(p)}')
                  for i, p in enumerate(chain)}
        for original, entry in chain.items():
            with open(copies[original], 'wb') as f:
                f.write(_rewrite(entry, values, copies))
        cfg = Config.fromfile(copies[leaf])
    return Config(cfg.to_dict(), cfg_text=text, filename=path)


def _runner_keys() -> List[str]:
    """Top-level config keys the Runner (or mcg's launch code) reads."""
    keys = set(_RUNNER_KEYS)
    for runner in (Runner, FlexibleRunner):
        keys |= set(inspect.signature(runner.__init__).parameters)
    return sorted(keys - {'self', 'cfg'})


def accepted_top_level_keys(cfg: Config) -> List[str]:
    """Top-level keys an override may set: the config's and the Runner's."""
    return sorted(set(cfg.keys()) | set(_runner_keys()))


def _check_roots(cfg: Config, options: Dict) -> None:
    accepted = accepted_top_level_keys(cfg)
    unknown = sorted({key.split('.')[0] for key in options} - set(accepted))
    if unknown:
        hints = sorted({h for key in unknown for h in suggest(key, accepted)})
        hint = f' Did you mean: {", ".join(hints)}?' if hints else ''
        raise ConfigOverrideError(
            f'--cfg-options {", ".join(unknown)}: no such key in the config, '
            f'and the Runner does not read it, so it would do nothing.{hint} '
            f'Top-level keys that work: {", ".join(accepted)}.')


def _plain(value):
    return value.to_dict() if hasattr(value, 'to_dict') else value


def _nested_values(cfg: Config, options: Dict) -> Dict[str, str]:
    """Literals of variables with nested overrides (``loader.batch_size``),
    merged into their values in ``cfg``."""
    values: Dict[str, str] = {}
    for root in sorted({key.split('.')[0] for key in options}):
        holder = Config({root: copy.deepcopy(_plain(cfg.get(root)))})
        holder.merge_from_dict({k: v for k, v in options.items()
                                if k.startswith(root + '.')})
        values[root] = _literal(root, holder.to_dict()[root])
    return values


def load_config(path: str, cfg_options: Optional[Dict] = None) -> Config:
    """Read a config file and apply ``--cfg-options`` so that they all work.

    Args:
        path: The config file.
        cfg_options: ``{dotted key: value}`` as MMEngine's ``DictAction``
            parses them. A key whose first part is a config variable that
            other config code reads (``data_root``, ``max_epochs``,
            ``num_frames``, ``lr``, ...) re-evaluates the config with the
            new value; other keys are merged into the evaluated config.

    Returns:
        The config.

    Raises:
        ConfigOverrideError: An override that would do nothing (a new
            top-level key the Runner does not read) or that cannot be
            applied.
    """
    cfg = Config.fromfile(path)
    if not cfg_options:
        return cfg
    options = dict(cfg_options)
    _check_roots(cfg, options)
    if not path.endswith('.py'):
        cfg.merge_from_dict(options)
        return cfg
    consumed = consumed_variables(path)
    bare = {k: v for k, v in options.items() if k in consumed}
    nested = {k: v for k, v in options.items()
              if '.' in k and k.split('.')[0] in consumed}
    rest = {k: v for k, v in options.items() if k not in bare
            and k not in nested}
    values = {k: _literal(k, _plain(v)) for k, v in bare.items()}
    text = cfg.text
    if values:
        cfg = _evaluate_with(path, values, text)
    if nested:
        # After the plain variables: a pipeline edited here must already
        # hold the new num_frames, say.
        values.update(_nested_values(cfg, nested))
        cfg = _evaluate_with(path, values, text)
    if rest:
        cfg.merge_from_dict(rest)
    return cfg


def merge_overrides(cfg: Config, cfg_options: Optional[Dict]) -> Config:
    """Apply ``--cfg-options`` to a config that is already in memory.

    A config object cannot be evaluated again, so an override of a
    variable its file reads (see :func:`consumed_variables`) is refused
    rather than silently ignored; pass the config's path to
    :func:`load_config` to have it take effect.

    Args:
        cfg: The config; changed in place.
        cfg_options: ``{dotted key: value}``.

    Returns:
        ``cfg``.

    Raises:
        ConfigOverrideError: As :func:`load_config`, or for a variable
            the config file reads.
    """
    if not cfg_options:
        return cfg
    _check_roots(cfg, cfg_options)
    path = cfg.filename
    consumed = (consumed_variables(path) if path and path.endswith('.py')
                and osp.isfile(path) else set())
    stale = sorted({key.split('.')[0] for key in cfg_options} & consumed)
    if stale:
        raise ConfigOverrideError(
            f'--cfg-options {", ".join(stale)}: the config file already used '
            'this variable when it was read, so changing it on a loaded '
            'config would do nothing; load the config from its path with '
            'the override (mcg.utils.load_config), or set the keys computed '
            'from it.')
    cfg.merge_from_dict(cfg_options)
    return cfg
