"""Captions of ShapesQA scenes in varied wording (the pre-training corpus).

Each scene yields a set of *facts* (what moves and where to, which object
disappears or appears and in which order, where each object is, how two
objects relate, how many objects there are), each fact with several
phrasings. A caption is the mover's fact plus a random subset of the other
facts in random order and wording, so the captions of a corpus name exactly
what the ShapesQA questions ask about without repeating their templates.

Pure numpy: the torch-free generator CLI imports this module.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .scene import quadrant, relation

_NUMBER_WORDS = {2: 'two', 3: 'three', 4: 'four', 5: 'five', 6: 'six', 7: 'seven'}
_REL_WORDS = {'left': ('left of', 'to the left of'), 'right': ('right of', 'to the right of'),
              'above': ('above',), 'below': ('below', 'under')}
_INVERSE = {'left': 'right', 'right': 'left', 'above': 'below', 'below': 'above'}


def _roles(scene: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {r: [] for r in 'PSELD'}
    for obj in scene['objects']:
        out[obj['role']].append(obj)
    return out


def _mover(p: dict[str, Any]) -> list[str]:
    n, d = p['name'], p['direction']
    return [f'the {n} moves {d}', f'a {n} is moving {d}', f'the {n} travels {d}',
            f'the {n} goes {d} across the video', f'a {n} slides {d}']


def _static(obj: dict[str, Any]) -> list[str]:
    n, q = obj['name'], quadrant(obj['cell'])
    return [f'a {n} stays in the {q}', f'the {n} sits still at the {q}',
            f'there is a {n} in the {q}', f'the {n} in the {q} does not move']


def _early(e: dict[str, Any]) -> list[str]:
    n, q = e['name'], quadrant(e['cell'])
    return [f'the {n} disappears', f'the {n} in the {q} vanishes halfway',
            f'the {n} is only visible at the start', f'a {n} disappears in the middle']


def _late(late: dict[str, Any]) -> list[str]:
    n, q = late['name'], quadrant(late['cell'])
    return [f'the {n} appears later', f'a {n} shows up in the {q} halfway',
            f'the {n} is only visible at the end', f'a {n} appears in the middle']


def _order(e: dict[str, Any], late: dict[str, Any]) -> list[str]:
    a, b = e['name'], late['name']
    return [f'the {a} disappears and then the {b} appears',
            f'after the {a} disappears the {b} appears',
            f'first the {a} then the {b}',
            f'the {b} appears after the {a} is gone']


def _relation(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    rel = relation(a['cell'], b['cell'])
    if rel is None:
        return []
    out = [f"the {a['name']} is {w} the {b['name']}" for w in _REL_WORDS[rel]]
    return out + [f"the {b['name']} is {w} the {a['name']}" for w in _REL_WORDS[_INVERSE[rel]]]


def _count(n: int) -> list[str]:
    return [f'{n} objects appear', f'there are {n} objects in total',
            f'{_NUMBER_WORDS[n]} objects in the video', f'the video shows {n} objects']


def scene_facts(scene: dict[str, Any]) -> list[list[str]]:
    """The facts of a scene, each as a list of equivalent phrasings.

    Args:
        scene: A scene of :func:`~mcg.datasets.shapesqa.scene.sample_scene`.

    Returns:
        Facts in a fixed order: the mover first, then the appearance order
        (or the one early/late object), the early and late objects, the
        partner/anchor relation, every static object's location, the count.
    """
    roles = _roles(scene)
    p, s = roles['P'][0], roles['S'][0]
    e = roles['E'][0] if roles['E'] else None
    late = roles['L'][0] if roles['L'] else None
    facts = [_mover(p)]
    if e is not None and late is not None:
        facts.append(_order(e, late))
    if e is not None:
        facts.append(_early(e))
    if late is not None:
        facts.append(_late(late))
    rel = _relation(e if e is not None else late, s)
    if rel:
        facts.append(rel)
    facts.extend(_static(o) for o in roles['S'] + roles['D'])
    facts.append(_count(len(scene['objects'])))
    return facts


def make_caption(scene: dict[str, Any], rng: np.random.Generator,
                 min_facts: int = 3, max_facts: int = 5) -> str:
    """One caption: the mover plus a random subset of the other facts.

    Args:
        scene: The scene.
        rng: Generator for the subset, the order and the wording.
        min_facts: Facts per caption at least (the mover included).
        max_facts: Facts per caption at most.

    Returns:
        Lower-case sentences joined by ``'. '``.
    """
    facts = scene_facts(scene)
    others = facts[1:]
    k = int(rng.integers(min_facts - 1, max_facts)) if max_facts > min_facts else min_facts - 1
    k = min(k, len(others))
    chosen = [facts[0]] + [others[int(i)] for i in rng.choice(len(others), size=k, replace=False)]
    # The mover stays first in half the captions, anywhere otherwise.
    order = [0] + [int(i) + 1 for i in rng.permutation(k)] if rng.random() < 0.5 \
        else [int(i) for i in rng.permutation(k + 1)]
    return '. '.join(_pick(rng, chosen[i]) for i in order)


def make_captions(scene: dict[str, Any], rng: np.random.Generator, num: int) -> list[str]:
    """``num`` distinct captions of one scene (fewer if the draws repeat)."""
    out: list[str] = []
    for _ in range(num * 4):
        caption = make_caption(scene, rng)
        if caption not in out:
            out.append(caption)
        if len(out) == num:
            break
    return out


def caption_vocab(captions: list[str]) -> list[str]:
    """Sorted distinct words and ``'.'`` of ``captions`` (a generator's
    ``output_vocab`` list: every token of a caption is one of them)."""
    return sorted({w for c in captions for w in c.replace('.', ' . ').split()})


def _pick(rng: np.random.Generator, items: list[str]) -> str:
    return items[int(rng.integers(len(items)))]
