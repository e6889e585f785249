"""Training-engine extensions: checkpoint loading, optimizer wrappers, hooks."""
from .checkpoint import is_trusted, load_checkpoint_file, trust_directory
from .optim_wrapper import AutocastOptimWrapper

__all__ = ['AutocastOptimWrapper', 'is_trusted', 'load_checkpoint_file',
           'trust_directory']
from .preflight import USER_ERRORS, check_datasets  # noqa: E402

__all__ += ['USER_ERRORS', 'check_datasets']
