"""What a tool tells the user when a run stops on something they can fix.

Training, testing and the experiment scripts all stop on the same kinds of
errors: a dataset or checkpoint that cannot be read (``USER_ERRORS``), a
training guard that stopped the run on purpose (``TRAINING_STOPS``), and a
config whose component options are misspelt (a ``KeyError``/``TypeError``
from a build, translated by :func:`mcg.engine.explain_build_error`). This
module turns such an error into the exit code and message every tool uses;
anything else is a bug and is re-raised with its traceback.
"""
from __future__ import annotations

import sys
from typing import Optional, Tuple, Type

from mmengine.config import Config

from mcg.engine import TRAINING_STOPS, USER_ERRORS, explain_build_error

#: Exit code of a run stopped by an error the user can fix.
EXIT_USER_ERROR = 2
#: Exit code of a training run stopped on purpose by a guard.
EXIT_TRAINING_STOPPED = 3


def run_error_report(exc: BaseException, cfg: Optional[Config],
                     config_path: str, verb: str,
                     also_user_errors: Tuple[Type[BaseException], ...] = ()
                     ) -> Optional[Tuple[int, str]]:
    """The exit code and message for an error that stopped a run.

    Args:
        exc: The error.
        cfg: The config the run was built from (to name a misspelt key's
            component), or None if it was not read.
        config_path: The config file, as the user gave it.
        verb: What the tool was doing (``'train'``, ``'test'``).
        also_user_errors: More error types the tool reports as the user's
            (e.g. an unreadable checkpoint for testing).

    Returns:
        ``(exit code, message)``, or None for an error that is not the
        user's to fix (the caller re-raises it).
    """
    if isinstance(exc, USER_ERRORS + tuple(also_user_errors)):
        return EXIT_USER_ERROR, f'cannot {verb} {config_path}:\n  {exc}'
    if isinstance(exc, TRAINING_STOPS):
        return EXIT_TRAINING_STOPPED, f'training stopped:\n  {exc}'
    if isinstance(exc, (KeyError, TypeError)) and cfg is not None:
        message = explain_build_error(exc, cfg)
        if message is not None:
            return EXIT_USER_ERROR, f'bad config {config_path}:\n  {message}'
    return None


def exit_with_report(exc: BaseException, cfg: Optional[Config],
                     config_path: str, verb: str,
                     also_user_errors: Tuple[Type[BaseException], ...] = ()
                     ) -> int:
    """Print :func:`run_error_report`'s message on stderr; return its code.

    Call it in a tool's ``except Exception`` block. Arguments as
    :func:`run_error_report`.

    Returns:
        The exit code.

    Raises:
        BaseException: ``exc`` itself when it is not the user's to fix.
    """
    report = run_error_report(exc, cfg, config_path, verb, also_user_errors)
    if report is None:
        raise exc
    code, message = report
    print(f'\nmcg: {message}\n', file=sys.stderr)
    return code
