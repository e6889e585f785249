"""MMEngine registries of mcg.

Every ``nn.Module`` building block (encoders, fusors, answer heads, losses,
data preprocessors, whole models) lives in one ``MODELS`` child registry: the
framework notes show that sibling children of MMEngine's ``MODELS`` with the
same scope cannot coexist, and children with distinct scopes break as soon as
``default_scope='mcg'`` is set. Roles are enforced by base classes and typed
builders (:mod:`mcg.registry.builders`) instead of separate registries.

Frame samplers pick frame indices from the decoded video and therefore belong
to ``TRANSFORMS``, next to decoding and packing.
"""
import importlib

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import STRATEGIES as MMENGINE_STRATEGIES
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

#: Every nn.Module: models, encoders, fusors, heads, losses, preprocessors.
MODELS = Registry(
    'model',
    parent=MMENGINE_MODELS,
    scope='mcg',
    locations=['mcg.models', 'mcg.encoders', 'mcg.fusors', 'mcg.heads',
               'mcg.losses', 'mcg.registry.autoload'])
#: Video decoding, frame samplers, resizing and packing.
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope='mcg',
    locations=['mcg.datasets.transforms'])
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, scope='mcg',
    locations=['mcg.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, scope='mcg',
    locations=['mcg.datasets'])
#: Collate functions and other callables referenced from configs.
FUNCTIONS = Registry(
    'function', parent=MMENGINE_FUNCTIONS, scope='mcg',
    locations=['mcg.datasets'])
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, scope='mcg',
    locations=['mcg.evaluation'])
EVALUATOR = Registry(
    'evaluator', parent=MMENGINE_EVALUATOR, scope='mcg',
    locations=['mcg.evaluation'])
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, scope='mcg', locations=['mcg.engine'])
LOOPS = Registry(
    'loop', parent=MMENGINE_LOOPS, scope='mcg', locations=['mcg.engine'])
OPTIM_WRAPPERS = Registry(
    'optim wrapper', parent=MMENGINE_OPTIM_WRAPPERS, scope='mcg',
    locations=['mcg.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor', parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    scope='mcg', locations=['mcg.engine'])
OPTIMIZERS = Registry(
    'optimizer', parent=MMENGINE_OPTIMIZERS, scope='mcg',
    locations=['mcg.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, scope='mcg',
    locations=['mcg.engine'])
RUNNERS = Registry(
    'runner', parent=MMENGINE_RUNNERS, scope='mcg', locations=['mcg.engine'])
STRATEGIES = Registry(
    'strategy', parent=MMENGINE_STRATEGIES, scope='mcg',
    locations=['mcg.engine'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope='mcg',
    locations=['mcg.engine'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS, scope='mcg')
LOG_PROCESSORS = Registry(
    'log_processor', parent=MMENGINE_LOG_PROCESSORS, scope='mcg',
    locations=['mcg.engine'])
VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, scope='mcg',
    locations=['mcg.engine'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMENGINE_VISBACKENDS, scope='mcg',
    locations=['mcg.engine'])
#: HF tokenizers are not nn.Modules; a parentless registry like mmpretrain's.
TOKENIZERS = Registry('tokenizer', scope='mcg', locations=['mcg.models'])

ALL_REGISTRIES = dict(
    MODELS=MODELS, TRANSFORMS=TRANSFORMS, DATASETS=DATASETS,
    DATA_SAMPLERS=DATA_SAMPLERS, FUNCTIONS=FUNCTIONS, METRICS=METRICS,
    EVALUATOR=EVALUATOR, HOOKS=HOOKS, LOOPS=LOOPS,
    OPTIM_WRAPPERS=OPTIM_WRAPPERS,
    OPTIM_WRAPPER_CONSTRUCTORS=OPTIM_WRAPPER_CONSTRUCTORS,
    OPTIMIZERS=OPTIMIZERS, PARAM_SCHEDULERS=PARAM_SCHEDULERS, RUNNERS=RUNNERS,
    STRATEGIES=STRATEGIES, MODEL_WRAPPERS=MODEL_WRAPPERS,
    WEIGHT_INITIALIZERS=WEIGHT_INITIALIZERS, LOG_PROCESSORS=LOG_PROCESSORS,
    VISUALIZERS=VISUALIZERS, VISBACKENDS=VISBACKENDS, TOKENIZERS=TOKENIZERS)


def import_component_packages() -> None:
    """Import every package that registers mcg's components.

    They are the registries' lazy ``locations`` (datasets, encoders, engine,
    evaluation, fusors, heads, losses, models), less the plugin loader
    ``mcg.registry.autoload``: that one still runs at the first build, after
    a config's ``custom_imports``, so that its log names them.
    """
    own = __name__.rpartition('.')[0]
    for registry in ALL_REGISTRIES.values():
        for location in registry._locations:
            if not location.startswith(own + '.'):
                importlib.import_module(location)
