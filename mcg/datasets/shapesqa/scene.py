"""Scene sampling and frame rendering for ShapesQA (pure numpy).

A scene is a plain JSON-serialisable dict, so the same object is written to
``synthetic_meta.json``, shipped to encoder worker processes and re-rendered
by tests from the meta file.

Coordinates: cells are ``[row, col]`` of the 4x4 grid; pixel positions are
top-left corners ``{'x': .., 'y': ..}`` of the 12x12 object box.
"""
from __future__ import annotations

from typing import Any

import numpy as np

CANVAS = 64
CELL = 16
GRID = CANVAS // CELL
OBJ = 12
MARGIN = 2
FPS = 8
DEFAULT_NUM_FRAMES = 16
MAX_SPEED = 3
BACKGROUND = (255, 255, 255)

COLORS: dict[str, tuple[int, int, int]] = {
    'red': (230, 25, 75),
    'green': (60, 180, 75),
    'blue': (0, 130, 200),
    'yellow': (255, 225, 25),
}
SHAPES = ('circle', 'square', 'triangle', 'diamond')
COMBOS = tuple(f'{c} {s}' for c in COLORS for s in SHAPES)

# Probabilities of (E and L, only E, only L); keeps the object count
# ambiguous from any single frame.
PRESENCE_PROBS = (0.6, 0.2, 0.2)
MAX_DISTRACTORS = 2
RELATIONS = ('left', 'right', 'above', 'below')
# Direction of travel for each lane axis; the first entry moves towards
# larger pixel coordinates.
DIRECTIONS = {'row': ('right', 'left'), 'col': ('down', 'up')}


def _shape_masks() -> dict[str, np.ndarray]:
    # Pixel centres, so the masks are symmetric about the box centre (6, 6).
    c = np.arange(OBJ) + 0.5
    yy, xx = np.meshgrid(c, c, indexing='ij')
    half = OBJ / 2
    return {
        'circle': (xx - half) ** 2 + (yy - half) ** 2 <= half ** 2,
        'square': np.ones((OBJ, OBJ), dtype=bool),
        # Apex at the top; +0.5 so the top row is not empty.
        'triangle': np.abs(xx - half) <= (yy + 0.5) / 2,
        'diamond': np.abs(xx - half) + np.abs(yy - half) <= half,
    }


SHAPE_MASKS = _shape_masks()


def speed_for(num_frames: int) -> int:
    """Pixels per frame for the mover so that it stays on the canvas.

    Args:
        num_frames: Video length T (>= 2).

    Returns:
        ``MAX_SPEED`` (3) unless 3 * (T - 1) exceeds the 52 px of travel room,
        in which case the largest speed that fits.
    """
    if num_frames < 2:
        raise ValueError(f'num_frames must be >= 2, got {num_frames}')
    speed = min(MAX_SPEED, (CANVAS - OBJ) // (num_frames - 1))
    if speed < 1:
        raise ValueError(f'num_frames={num_frames} too long for a 64 px canvas (max 53)')
    return speed


def cell_origin(cell: list[int] | tuple[int, int]) -> tuple[int, int]:
    """Return the (x, y) top-left pixel of an object placed in ``cell``."""
    row, col = cell
    return col * CELL + MARGIN, row * CELL + MARGIN


def quadrant(cell: list[int] | tuple[int, int]) -> str:
    """Location answer for a cell: 'top left', 'bottom right', ..."""
    row, col = cell
    return f"{'top' if row < GRID // 2 else 'bottom'} {'left' if col < GRID // 2 else 'right'}"


def relation(a: list[int] | tuple[int, int], b: list[int] | tuple[int, int]) -> str | None:
    """Relation of the object in cell ``a`` to the one in cell ``b``.

    Returns:
        'left' if ``a`` is left of ``b`` in the same row, 'above' if it is
        above in the same column (and so on), or None if the cells share
        neither a row nor a column.
    """
    (ra, ca), (rb, cb) = a, b
    if ra == rb and ca != cb:
        return 'left' if ca < cb else 'right'
    if ca == cb and ra != rb:
        return 'above' if ra < rb else 'below'
    return None


def position(obj: dict[str, Any], t: int) -> tuple[int, int]:
    """Top-left (x, y) of ``obj`` at frame ``t``."""
    if obj['role'] != 'P':
        return cell_origin(obj['cell'])
    step = obj['speed'] * t
    sign = 1 if obj['direction'] in ('right', 'down') else -1
    x, y = obj['start']['x'], obj['start']['y']
    if obj['lane']['axis'] == 'row':
        return x + sign * step, y
    return x, y + sign * step


def is_visible(obj: dict[str, Any], t: int) -> bool:
    """Whether ``obj`` is drawn in frame ``t`` (visible range is half-open)."""
    start, end = obj['frames']
    return start <= t < end


def _make_object(combo: str, role: str, cell, frames) -> dict[str, Any]:
    color, shape = combo.split(' ')
    return {'name': combo, 'color': color, 'shape': shape, 'role': role,
            'cell': None if cell is None else [int(cell[0]), int(cell[1])],
            'frames': [int(frames[0]), int(frames[1])]}


def sample_scene(rng: np.random.Generator, num_frames: int = DEFAULT_NUM_FRAMES) -> dict[str, Any]:
    """Sample one ShapesQA scene.

    Sampling order is fixed (the rng call sequence is part of the dataset
    definition), so a seeded generator always yields the same scene.

    Args:
        rng: Per-video random generator.
        num_frames: Video length T (2..53).

    Returns:
        Dict with ``num_frames`` and ``objects`` (list in role order P, S, E,
        L, D...). Every object has name/color/shape/role/cell/frames; the
        mover additionally has lane/direction/start/speed.
    """
    speed = speed_for(num_frames)
    half = num_frames // 2
    combos = [COMBOS[i] for i in rng.permutation(len(COMBOS))]
    presence = int(rng.choice(3, p=PRESENCE_PROBS))
    has_e, has_l = presence in (0, 1), presence in (0, 2)
    n_distract = int(rng.integers(0, MAX_DISTRACTORS + 1))

    # The lane comes first so that static objects can never block the mover.
    axis = ('row', 'col')[int(rng.integers(2))]
    lane = int(rng.integers(GRID))
    direction = DIRECTIONS[axis][int(rng.integers(2))]
    travel = speed * (num_frames - 1)
    offset = int(rng.integers(0, CANVAS - OBJ - travel + 1))
    along = offset if direction in ('right', 'down') else CANVAS - OBJ - offset
    across = lane * CELL + MARGIN
    start = {'x': along, 'y': across} if axis == 'row' else {'x': across, 'y': along}
    free = [(r, c) for r in range(GRID) for c in range(GRID)
            if (r if axis == 'row' else c) != lane]

    # Relation drawn first, then a pair with that relation, so that the
    # spatial answer is exactly uniform instead of depending on the lane.
    rel = RELATIONS[int(rng.integers(len(RELATIONS)))]
    pairs = [(s, x) for s in free for x in free if relation(x, s) == rel]
    s_cell, x_cell = pairs[int(rng.integers(len(pairs)))]

    mover = _make_object(combos[0], 'P', None, (0, num_frames))
    mover.update(lane={'axis': axis, 'index': lane}, direction=direction,
                 start=start, speed=speed)
    objects = [mover, _make_object(combos[1], 'S', s_cell, (0, num_frames))]
    used = {s_cell}
    if has_e:
        objects.append(_make_object(combos[len(objects)], 'E', x_cell, (0, half)))
        used.add(x_cell)
    if has_l:
        if has_e:
            # L may reuse E's cell: they are never visible at the same time.
            options = [c for c in free if c != s_cell]
            l_cell = options[int(rng.integers(len(options)))]
        else:
            l_cell = x_cell
        objects.append(_make_object(combos[len(objects)], 'L', l_cell, (half, num_frames)))
        used.add(l_cell)
    options = [c for c in free if c not in used]
    for i in rng.choice(len(options), size=n_distract, replace=False):
        objects.append(_make_object(combos[len(objects)], 'D', options[int(i)], (0, num_frames)))
    return {'num_frames': int(num_frames), 'objects': objects}


def render_frames(scene: dict[str, Any]) -> np.ndarray:
    """Render a scene to RGB frames.

    Args:
        scene: Dict from :func:`sample_scene` (or read back from the meta file).

    Returns:
        uint8 array of shape (T, 64, 64, 3).
    """
    num_frames = scene['num_frames']
    base = np.empty((CANVAS, CANVAS, 3), dtype=np.uint8)
    base[:] = BACKGROUND
    # Objects visible throughout are painted once; masked writes into a
    # (T, 12, 12) view cost ~3x more than this for the same result.
    per_frame = []
    for obj in scene['objects']:
        if obj['role'] != 'P' and list(obj['frames']) == [0, num_frames]:
            x, y = position(obj, 0)
            base[y:y + OBJ, x:x + OBJ][SHAPE_MASKS[obj['shape']]] = COLORS[obj['color']]
        else:
            per_frame.append(obj)
    frames = np.repeat(base[None], num_frames, axis=0)
    for obj in per_frame:
        rgb, mask = COLORS[obj['color']], SHAPE_MASKS[obj['shape']]
        for t in range(*obj['frames']):
            x, y = position(obj, t)
            frames[t, y:y + OBJ, x:x + OBJ][mask] = rgb
    return frames
