# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from mmengine.config import Config
from mmengine.runner import Runner


def init_cpu_process_group(cfg: Config) -> None:
    """Start a gloo process group for ``launcher='pytorch'`` without GPUs.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` even for the
    gloo backend, which fails on a machine without CUDA. When a process group
    exists already, mmengine's Runner uses it as it is.
    """
    import torch
    import torch.distributed as dist
    if (cfg.get('launcher', 'none') == 'pytorch'
            and not torch.cuda.is_available() and not dist.is_initialized()):
        dist.init_process_group(backend='gloo')


def finish_distributed() -> None:
    """End a distributed run in order: wait for every rank (rank 0 may
    still be writing a checkpoint), then close the process group, so that
    no rank exits while a peer still talks to it (gloo aborts then)."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def build_runner(cfg: Config) -> Runner:
    """Build the Runner a config asks for (``runner_type``) or mmengine's.

    Works on CPU-only machines under torchrun too (gloo backend).
    ``'auto'`` data-loader settings get their values for the device here
    (:func:`~sketret.utils.config_utils.resolve_auto_dataloaders`).
    """
    import torch

    from sketret.registry import RUNNERS
    from sketret.utils.config_utils import resolve_auto_dataloaders
    resolve_auto_dataloaders(cfg, torch.cuda.is_available())
    init_cpu_process_group(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def load_checkpoint_strict(runner: Runner, checkpoint: str,
                           config_name: str = 'the config') -> dict:
    """Load ``checkpoint`` into ``runner.model``, every key matching.

    Raises:
        RuntimeError: Keys are missing from the checkpoint, unexpected in
            it, or of another shape; the message lists them.
    """
    try:
        return runner.load_checkpoint(
            checkpoint, map_location='cpu', strict=True)
    except RuntimeError as err:
        raise RuntimeError(
            f'Checkpoint "{checkpoint}" does not match the model of '
            f'{config_name}:\n{err}') from None


#: Metric key prefixes that name a group of measures, not a metric preset.
_NON_PRESET_GROUPS = ('modality_gap', )


def metrics_to_json(metrics: dict) -> dict:
    """Turn Runner metrics into the JSON of ``eval_features.py``.

    ``{'textbook/mAP@all': 0.5, 'textbook/P@100': 0.6}`` becomes
    ``{'preset': 'textbook', 'mAP@all': 0.5, 'P@100': 0.6}``; generalized
    ZS-SBIR keys ``'textbook/unseen/mAP@all'`` go to
    ``{'unseen': {'mAP@all': ...}}``. Measures that are not retrieval
    metrics (``'modality_gap/mmd'``) go to their own group,
    ``{'modality_gap': {'mmd': ...}}``; keys without ``/`` stay as they are.
    """
    out = {}
    presets = set()
    for key, value in metrics.items():
        value = value.item() if hasattr(value, 'item') else value
        parts = key.split('/')
        if len(parts) == 1:
            out[key] = value
            continue
        if parts[0] in _NON_PRESET_GROUPS:
            node = out
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = value
            continue
        presets.add(parts[0])
        node = out
        for part in parts[1:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    if len(presets) == 1:
        out['preset'] = presets.pop()
    elif presets:
        out['presets'] = sorted(presets)
    return out


#: Errors that say "this image file cannot be read" (they name the file).
_READ_ERROR_NAMES = ('CorruptImageError', 'FileNotFoundError')


def _read_error_in_worker(err: BaseException):
    """The message of an unreadable-file error raised in a data-loader
    worker, or None. torch re-raises such an error in the main process as a
    RuntimeError holding the worker's traceback, whose last line is
    ``<type>: <message>``."""
    text = str(err).rstrip()
    if not isinstance(err, RuntimeError) or not any(
            text.startswith(f'Caught {name} in DataLoader worker')
            for name in _READ_ERROR_NAMES):
        return None
    return text.splitlines()[-1].split(': ', 1)[-1] + (
        ' (in a data-loader worker)')


def run_or_exit(fn, tool: str):
    """Run ``fn()``; a user error (data not found, class vectors missing,
    checkpoint/config mismatch, an unreadable image, also in a data-loader
    worker) or a stopped training (non-finite loss, too many unreadable
    files) ends the tool with its message, no traceback."""
    import sys

    from sketret.datasets import CorruptImageError, MissingClassVectorsError
    from sketret.engine import NonFiniteLossError, TooManyCorruptFilesError
    try:
        return fn()
    except (FileNotFoundError, MissingClassVectorsError, CorruptImageError,
            NonFiniteLossError, TooManyCorruptFilesError) as err:
        msg = err.args[0] if isinstance(err, KeyError) else err
        sys.exit(f'{tool}: error: {msg}')
    except RuntimeError as err:
        msg = _read_error_in_worker(err)
        if msg is None:
            raise
        sys.exit(f'{tool}: error: {msg}')
