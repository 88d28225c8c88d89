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
        'train_cfg.max_epochs=2; keys must exist in the config')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def apply_runner_args(args) -> None:
    """Environment side of :func:`add_runner_args` (before torch starts
    CUDA): ``LOCAL_RANK`` and hiding GPUs for ``--device cpu``."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.device == 'cpu':
        os.environ['CUDA_VISIBLE_DEVICES'] = ''


def load_config(path: str, cfg_options: Optional[Dict[str, Any]] = None,
                strict_options: bool = True) -> Config:
    """Load a config file and apply ``--cfg-options``.

    Args:
        path (str): The config file.
        cfg_options (dict, optional): ``{'a.b.c': value}`` overrides.
        strict_options (bool): Refuse keys that are not in the config
            (a typo would otherwise add a new, silently unused key).
            Defaults to True.

    Raises:
        FileNotFoundError: The config file does not exist.
        KeyError: An override names a key that is not in the config.
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
    return cfg


def check_cfg_options(cfg: Config, options: Dict[str, Any]) -> None:
    """Raise ``KeyError`` when a dotted key of ``options`` is not in ``cfg``.

    Integer parts index lists (``pipeline.0.scale``), as in mmengine.
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
                    close = difflib.get_close_matches(
                        part, [str(k) for k in node.keys()], n=3)
                    hint = (f' Did you mean: {", ".join(close)}?'
                            if close else '')
                    where = '.'.join(walked) or 'the top level'
                    raise KeyError(
                        f'--cfg-options key "{dotted}" does not exist in the '
                        f'config: "{part}" is not a key of {where}.{hint}')
                node = node[part]
            else:
                raise KeyError(
                    f'--cfg-options key "{dotted}": "{".".join(walked)}" is '
                    f'a {type(node).__name__}, not a dict or list.')
            walked.append(part)


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


def setup_launcher_backend(cfg: Config, launcher: str) -> None:
    """Use the gloo backend for distributed runs when there is no GPU.

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
    if not torch.cuda.is_available():
        cfg.setdefault('env_cfg', ConfigDict())
        cfg.env_cfg.setdefault('dist_cfg', ConfigDict())
        cfg.env_cfg.dist_cfg['backend'] = 'gloo'
        # mmengine passes device_ids=[LOCAL_RANK] to DDP, which is only
        # valid for GPU modules; CPU modules need device_ids=None.
        wrapper = cfg.get('model_wrapper_cfg') or ConfigDict(
            type='MMDistributedDataParallel',
            find_unused_parameters=cfg.get('find_unused_parameters', False))
        wrapper.setdefault('device_ids', None)
        cfg.model_wrapper_cfg = wrapper
