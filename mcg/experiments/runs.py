"""One training (and evaluation) run of an experiment, and a resumable queue.

A :class:`Run` is a shipped config plus ``--cfg-options`` style overrides
and a seed: every configuration of an experiment is a config swap of
existing components. :func:`run_queue` executes runs in order, skipping
those whose ``result.json`` already exists under the output folder (so a
stopped reproduction resumes where it stopped), and prints one progress
line per run. Runs with the same name are the same training (experiments
share them, e.g. Table V's MCG row is Fig. 4's "ICL+TCL" bar); a finished
run whose stored setting differs from the requested one is refused rather
than reused, and a run another live process is executing is left to it
(two ``reproduce`` calls on one folder split the work).
"""
from __future__ import annotations

import json
import os
import os.path as osp
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, List, Optional

from mcg.engine.atomic_io import atomic_write

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: Kinds of run: pre-training (+ held-out retrieval), fine-tuning (+ test).
KINDS = ('pretrain', 'finetune')


@dataclass
class Run:
    """A configuration to train and evaluate.

    Args:
        name: Unique name; its folder is ``<out>/runs/<name>``.
        config: Config path relative to the repository root.
        kind: ``'pretrain'`` (then caption retrieval on the held-out clips)
            or ``'finetune'`` (then the val and test splits).
        seed: Random seed.
        options: ``--cfg-options`` overrides (dotted keys).
        init_from: Name of the pre-training run whose last checkpoint this
            run starts from (None: random init).
        labels: What the report groups by, e.g. ``{'row': 'w/ JUM'}``.
        eval_train: Also evaluate on this many training videos (over-fitting
            measure of Fig. 5); 0 skips it.
    """

    name: str
    config: str
    kind: str
    seed: int = 0
    options: Dict = field(default_factory=dict)
    init_from: Optional[str] = None
    labels: Dict = field(default_factory=dict)
    eval_train: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f'kind must be one of {KINDS}, got {self.kind!r}')


def run_dir(out_dir: str, name: str) -> str:
    """Folder of run ``name``."""
    return osp.join(out_dir, 'runs', name)


def load_result(out_dir: str, name: str) -> Optional[Dict]:
    """The result of a finished run, or None."""
    path = osp.join(run_dir(out_dir, name), 'result.json')
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def run_queue(runs: List[Run], out_dir: str,
              execute: Optional[Callable[[Run, str], Dict]],
              log: Callable[[str], None] = print) -> List[Dict]:
    """Execute ``runs`` in order, skipping finished ones; one line per run.

    Args:
        runs: The runs (pre-training runs before the runs that start from
            them).
        out_dir: Output folder.
        execute: ``execute(run, work_dir) -> metrics`` trains and evaluates;
            None only collects the finished runs (reports from what exists).
        log: Where progress lines go.

    Returns:
        One result per run: ``asdict(run)`` plus ``metrics``, ``wall_s`` and
        ``work_dir``.
    """
    results, durations = [], []
    start = time.time()
    for i, run in enumerate(runs, 1):
        done = load_result(out_dir, run.name)
        if done is not None:
            check_same_setting(run, done)
            # This experiment's labels: a shared run is grouped its way.
            results.append({**done, 'labels': run.labels})
            log(f'[{i}/{len(runs)}] {run.name}: done earlier, skipped')
            continue
        if execute is None:
            log(f'[{i}/{len(runs)}] {run.name}: not run')
            continue
        if run.init_from is not None and load_result(out_dir, run.init_from) is None:
            # Its pre-training is still running in another process.
            log(f'[{i}/{len(runs)}] {run.name}: waits for {run.init_from}, '
                'not finished yet (run again afterwards)')
            continue
        work_dir = run_dir(out_dir, run.name)
        os.makedirs(work_dir, exist_ok=True)
        owner = claim(work_dir)
        if owner is not None:
            log(f'[{i}/{len(runs)}] {run.name}: running in process {owner}, '
                'left to it (run again afterwards for the full report)')
            continue
        t0 = time.time()
        try:
            metrics = execute(run, work_dir)
        finally:
            os.remove(osp.join(work_dir, CLAIM))
        wall = time.time() - t0
        durations.append(wall)
        result = {**asdict(run), 'metrics': metrics, 'wall_s': round(wall, 1),
                  'work_dir': work_dir}
        # Written last and atomically: its presence means the run finished.
        atomic_write(json.dumps(result, indent=1), osp.join(work_dir, 'result.json'))
        results.append(result)
        left = sum(1 for r in runs[i:] if load_result(out_dir, r.name) is None)
        eta = left * sum(durations) / len(durations)
        log(f'[{i}/{len(runs)}] {run.name}: {wall:.0f} s, elapsed '
            f'{time.time() - start:.0f} s, ETA {eta:.0f} s ({left} left)')
    return results


#: File marking a run as being executed, holding the executing process id.
CLAIM = 'running.pid'
#: Fields of a stored result that must equal the requested run's.
SETTING = ('config', 'kind', 'seed', 'options', 'init_from', 'eval_train')


def check_same_setting(run: Run, done: Dict) -> None:
    """Refuse a stored result of the same name but another setting.

    Raises:
        ValueError: Names the differing fields and the folder to remove.
    """
    wanted = asdict(run)
    diff = [k for k in SETTING if done.get(k) != wanted[k]]
    if diff:
        raise ValueError(
            f'run {run.name!r} in the output folder was made with another '
            f'setting ({", ".join(f"{k}: {done.get(k)!r} != {wanted[k]!r}" for k in diff)}); '
            f'remove {done.get("work_dir") or run.name} or use another --out')


def claim(work_dir: str) -> Optional[int]:
    """Mark ``work_dir`` as ours; return the live owner's pid if it is not.

    A claim left by a process that no longer exists is taken over.
    """
    path = osp.join(work_dir, CLAIM)
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                with open(path, encoding='utf-8') as f:
                    pid = int(f.read().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and pid != os.getpid() and _alive(pid):
                return pid
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
            continue
        with os.fdopen(fd, 'w') as f:
            f.write(str(os.getpid()))
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
