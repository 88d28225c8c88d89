# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Config helpers shared by the command-line tools.

Everything a tool does to a config before building a Runner lives here, so
that ``tools/train.py``, ``tools/test.py`` and friends behave the same way.
"""
import difflib
import os
import os.path as osp
import time
from typing import Any, Dict, Optional

from mmengine.config import Config, ConfigDict

from .data_facts import resolve_data_facts


def add_runner_args(parser) -> None:
    """The arguments ``tools/train.py`` and ``tools/test.py`` share:
    ``--device``, ``--cfg-options``, ``--launcher`` and ``--local-rank``."""
    from mmengine.config import DictAction
    parser.add_argument(
        '--device',
        choices=['auto', 'cpu', 'cuda'],
        default='auto',
        help='"auto" uses CUDA when available, else the CPU')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, e.g. '
        'train_cfg.max_epochs=2; a key must exist in the config or be an '
        'argument of the registered type it is passed to, e.g. '
        'test_dataloader.dataset.distractor_dir=none')
    parser.add_argument(
        '--log-level',
        choices=['DEBUG', 'INFO', 'WARNING', 'ERROR'],
        help='what the terminal shows (config key console_log_level; '
        'WARNING in sketret\'s configs: warnings, one progress line per '
        'epoch and the results). The log file in the work dir always has '
        'the full log (log_level, INFO)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


#: Where MPI implementations put a process's rank on its node: Open MPI,
#: MVAPICH2, Intel MPI, MPICH (Hydra/PMI).
MPI_LOCAL_RANK_VARS = ('OMPI_COMM_WORLD_LOCAL_RANK',
                       'MV2_COMM_WORLD_LOCAL_RANK', 'MPI_LOCALRANKID',
                       'PMI_LOCAL_RANK')


def mpi_local_rank(environ=None) -> int:
    """The local rank (GPU index on the node) that ``mpirun`` gave this
    process, from the first of :data:`MPI_LOCAL_RANK_VARS` that is set.

    Raises:
        ValueError: None of them is set (not started by ``mpirun``), or
            the value is not a non-negative integer.
    """
    environ = os.environ if environ is None else environ
    for name in MPI_LOCAL_RANK_VARS:
        value = environ.get(name, '')
        if value != '':
            if not value.isdigit():
                raise ValueError(f'--launcher mpi: {name}="{value}" is not a '
                                 'non-negative integer.')
            return int(value)
    raise ValueError(
        '--launcher mpi needs the local rank that mpirun sets in one of '
        f'{", ".join(MPI_LOCAL_RANK_VARS)}; none is set. Start the tool '
        'with `mpirun -np N python tools/train.py CONFIG --launcher mpi`.')


def apply_runner_args(args, parser=None) -> None:
    """Environment side of :func:`add_runner_args` (before torch starts
    CUDA): ``LOCAL_RANK`` (from ``--local-rank``, or for ``--launcher mpi``
    from the MPI environment) and hiding GPUs for ``--device cpu``.

    Raises:
        ValueError: ``--launcher mpi`` outside ``mpirun`` (with ``parser``
            given: ``parser.error``, i.e. exit with the message).
    """
    if 'LOCAL_RANK' not in os.environ:
        try:
            local_rank = (mpi_local_rank() if args.launcher == 'mpi' else
                          args.local_rank)
        except ValueError as err:
            if parser is None:
                raise
            parser.error(str(err))
        os.environ['LOCAL_RANK'] = str(local_rank)
    if args.device == 'cpu':
        os.environ['CUDA_VISIBLE_DEVICES'] = ''


def load_config(path: str, cfg_options: Optional[Dict[str, Any]] = None,
                strict_options: bool = True,
                console_log_level: Optional[str] = None) -> Config:
    """Load a config file and apply ``--cfg-options``.

    Args:
        path (str): The config file.
        cfg_options (dict, optional): ``{'a.b.c': value}`` overrides.
        strict_options (bool): Refuse keys that are neither in the config
            nor arguments of the registered type they are passed to (a typo
            would otherwise add a new, silently unused key).
            Defaults to True.
        console_log_level (str, optional): What the terminal shows
            (``--log-level``); None keeps the config's.

    Raises:
        FileNotFoundError: The config file does not exist.
        KeyError: An override names a key that is not in the config and
            not an argument of the type it is passed to, or a value asks
            for a dataset fact the config lacks
            (:func:`~sketret.utils.data_facts.resolve_data_facts`).
    """
    if not osp.isfile(path):
        hint = ''
        base = osp.dirname(path) or '.'
        if osp.isdir(base):
            close = difflib.get_close_matches(
                osp.basename(path), os.listdir(base), n=3)
            if close:
                hint = f' Did you mean: {", ".join(close)}?'
        raise FileNotFoundError(f'Config file "{path}" does not exist.{hint}')
    cfg = Config.fromfile(path)
    if cfg_options:
        if strict_options:
            check_cfg_options(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    resolve_data_facts(cfg)
    if console_log_level is not None:
        cfg.console_log_level = console_log_level
    return cfg


def check_cfg_options(cfg: Config, options: Dict[str, Any]) -> None:
    """Raise ``KeyError`` when a dotted key of ``options`` is neither in
    ``cfg`` nor an argument of the registered type that would receive it.

    ``test_dataloader.dataset.distractor_dir=none`` is accepted although the
    config leaves ``distractor_dir`` at its default, because the dataset's
    type (``dataset.type``) takes that argument; ``model.dimm=3`` is refused
    with a "did you mean". Integer parts index lists (``pipeline.0.scale``),
    as in mmengine.
    """
    for dotted in options:
        node = cfg._cfg_dict if isinstance(cfg, Config) else cfg
        walked = []
        for part in dotted.split('.'):
            if isinstance(node, (list, tuple)):
                if not part.isdigit() or int(part) >= len(node):
                    raise KeyError(
                        f'--cfg-options key "{dotted}": '
                        f'"{".".join(walked) or "<root>"}" is a list of '
                        f'{len(node)} items, "{part}" is not a valid index.')
                node = node[int(part)]
            elif isinstance(node, (dict, ConfigDict)):
                if part not in node:
                    where = '.'.join(walked)
                    type_ = options.get(f'{where}.type', node.get('type'))
                    args = constructor_args(type_)
                    if args is not None and part in args:
                        break  # a constructor argument left at its default
                    _raise_unknown_key(dotted, part, where, node, type_, args)
                node = node[part]
            else:
                raise KeyError(
                    f'--cfg-options key "{dotted}": "{".".join(walked)}" is '
                    f'a {type(node).__name__}, not a dict or list.')
            walked.append(part)


def _raise_unknown_key(dotted, part, where, node, type_, args):
    known = [str(k) for k in node.keys()] + sorted(args or ())
    close = difflib.get_close_matches(part, list(dict.fromkeys(known)), n=3)
    hint = f' Did you mean: {", ".join(close)}?' if close else ''
    of_type = ''
    if args is not None:
        of_type = f', nor an argument of its type {_type_name(type_)}'
    elif type_ is not None:
        of_type = (f' (the arguments of its type {_type_name(type_)} could '
                   'not be read)')
    raise KeyError(
        f'--cfg-options key "{dotted}" does not exist in the config: '
        f'"{part}" is not a key of {where or "the top level"}{of_type}.'
        f'{hint}')


def _type_name(type_) -> str:
    return type_ if isinstance(type_, str) else getattr(
        type_, '__name__', repr(type_))


def constructor_args(type_) -> Optional[set]:
    """The keyword arguments a registered type's constructor takes.

    ``type_`` is a class (or function), or its name in one of sketret's
    registries (scoped names such as ``'mmcv.Resize'`` included). Where a
    constructor takes ``**kwargs``, the arguments of the base classes it
    passes them to are added, along the MRO. Returns None when the type is
    not registered or its signature cannot be read.
    """
    import inspect

    if isinstance(type_, str):
        type_ = _find_registered(type_)
    if type_ is None:
        return None
    if not inspect.isclass(type_):
        try:
            return set(inspect.signature(type_).parameters)
        except (TypeError, ValueError):
            return None
    args = set()
    for klass in type_.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None:
            continue  # inherited: its owner comes later in the MRO
        if klass is object:
            break
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        args.update(p.name for p in params
                    if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                    and p.name != 'self')
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return args


def _find_registered(name: str):
    """Look ``name`` up in every sketret registry (and mmengine's)."""
    from mmengine.registry import Registry

    import sketret.registry as registries
    for attr in registries.__all__:
        registry = getattr(registries, attr)
        if not isinstance(registry, Registry):
            continue
        try:
            found = registry.get(name)
        except (KeyError, ImportError, ModuleNotFoundError):
            found = None
        if found is not None:
            return found
    return None


def resolve_work_dir(cfg: Config, work_dir: Optional[str],
                     config_path: str) -> str:
    """Work dir priority: CLI > config > ``./work_dirs/<config name>``.

    Raises:
        NotADirectoryError: The work dir exists and is a file.
    """
    if work_dir is None:
        work_dir = cfg.get('work_dir') or osp.join(
            './work_dirs',
            osp.splitext(osp.basename(config_path))[0])
    if osp.exists(work_dir) and not osp.isdir(work_dir):
        raise NotADirectoryError(
            f'Work dir "{work_dir}" exists and is a file; expected a '
            'directory (or a path that does not exist yet).')
    return work_dir


def has_checkpoints(work_dir: str) -> bool:
    """Whether ``work_dir`` holds checkpoints of an earlier run."""
    if not osp.isdir(work_dir):
        return False
    return any(
        name.endswith('.pth') or name == 'last_checkpoint'
        for name in os.listdir(work_dir))


def fresh_run_dir(work_dir: str) -> str:
    """A sibling of ``work_dir`` that does not exist yet, named by time.

    A new run never writes into a work dir that already holds another run's
    checkpoints (they would be overwritten); it gets its own directory.
    """
    stamp = time.strftime('%Y%m%d_%H%M%S')
    candidate = f'{work_dir.rstrip("/")}-{stamp}'
    suffix = 1
    while osp.exists(candidate):
        candidate = f'{work_dir.rstrip("/")}-{stamp}-{suffix}'
        suffix += 1
    return candidate


#: Data-loader workers that ``num_workers='auto'`` gives on a GPU machine
#: (at most; fewer when the process may use fewer CPU cores).
AUTO_GPU_WORKERS = 4


def usable_cpus() -> int:
    """CPU cores this process may run on."""
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def resolve_auto_dataloaders(cfg: Config, use_cuda: bool) -> None:
    """Replace ``'auto'`` data-loader settings by values for the device.

    In ``train_dataloader``, ``val_dataloader`` and ``test_dataloader``:

    - ``num_workers='auto'``: ``min(4, usable CPU cores)`` when training on
      a GPU (the loader has to keep up with it), 0 on the CPU (worker
      processes would compete with the model for the same cores);
    - ``persistent_workers='auto'``: True when there are workers;
    - ``pin_memory='auto'``: True on a GPU (page-locked batches, copied
      to the GPU without blocking), False on the CPU (nothing to pin for).

    Raises:
        ValueError: Another string than ``'auto'``.
    """
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if isinstance(loader, dict):
            resolve_auto_loader(loader, use_cuda, key)


def resolve_auto_loader(loader: dict, use_cuda: bool,
                        name: str = 'dataloader') -> dict:
    """The ``'auto'`` settings of one data-loader config (a dict, changed
    in place and returned); see :func:`resolve_auto_dataloaders`."""
    for key, value in loader.items():
        if isinstance(value, str) and key in (
                'num_workers', 'persistent_workers', 'pin_memory') \
                and value != 'auto':
            raise ValueError(f'{name}.{key} must be a value or "auto", '
                             f'got "{value}".')
    if loader.get('num_workers') == 'auto':
        loader['num_workers'] = (min(AUTO_GPU_WORKERS, usable_cpus())
                                 if use_cuda else 0)
    if loader.get('persistent_workers') == 'auto':
        loader['persistent_workers'] = loader.get('num_workers', 0) > 0
    if loader.get('pin_memory') == 'auto':
        loader['pin_memory'] = bool(use_cuda)
    return loader


def setup_launcher_backend(cfg: Config, launcher: str) -> None:
    """Distributed settings that hold on GPUs and CPUs alike.

    - The model is wrapped by ``model_wrapper_cfg``, by default
      ``MMDistributedDataParallel`` with torch DDP's own buffer handling:
      rank 0's buffers (BatchNorm statistics, the ones its checkpoints
      save) are copied to every rank at each forward. Without a
      ``model_wrapper_cfg``, mmengine would pass ``broadcast_buffers=False``
      on GPUs (statistics drift apart per rank) but not on CPUs.
    - Without a GPU: the gloo backend and ``device_ids=None``.

    Raises:
        RuntimeError: ``launcher='pytorch'`` outside torchrun (no
            ``RANK``/``WORLD_SIZE``/``MASTER_ADDR`` in the environment).
    """
    cfg.launcher = launcher
    if launcher == 'none':
        return
    if launcher == 'pytorch':
        missing = [
            k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
            if k not in os.environ
        ]
        if missing:
            raise RuntimeError(
                '--launcher pytorch needs the environment that torchrun '
                f'sets; missing: {", ".join(missing)}. Start the tool with '
                '`torchrun --nproc_per_node=N tools/train.py CONFIG '
                '--launcher pytorch` or `bash tools/dist_train.sh CONFIG N`.')
    import torch
    wrapper = cfg.get('model_wrapper_cfg') or ConfigDict(
        type='MMDistributedDataParallel',
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    if not torch.cuda.is_available():
        cfg.setdefault('env_cfg', ConfigDict())
        cfg.env_cfg.setdefault('dist_cfg', ConfigDict())
        cfg.env_cfg.dist_cfg['backend'] = 'gloo'
        # mmengine passes device_ids=[LOCAL_RANK] to DDP, which is only
        # valid for GPU modules; CPU modules need device_ids=None.
        wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper
