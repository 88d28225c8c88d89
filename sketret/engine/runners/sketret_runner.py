# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import contextlib
import copy
import io
import os
import os.path as osp

import torch
from mmengine.dist import master_only
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from sketret.registry import RUNNERS
from sketret.utils.console import setup_console


@contextlib.contextmanager
def prints_to_log(logger):
    """Send what the block prints to ``logger`` (INFO) instead of the
    terminal: mmengine's checkpoint loader prints "Loads checkpoint by local
    backend from path: ..." with ``print`` when it has no logger."""
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            yield
    finally:
        for line in buffer.getvalue().splitlines():
            if line.strip():
                logger.info(line)


def state_dict_mismatch(model_state: dict, ckpt_state: dict) -> str:
    """Describe how two state dicts differ ('' when keys and shapes match).

    Args:
        model_state (dict): The model's ``state_dict()``.
        ckpt_state (dict): The checkpoint's ``state_dict``.
    """
    missing = sorted(set(model_state) - set(ckpt_state))
    unexpected = sorted(set(ckpt_state) - set(model_state))
    shapes = sorted(
        f'{k}: checkpoint {tuple(ckpt_state[k].shape)} vs model '
        f'{tuple(model_state[k].shape)}'
        for k in set(model_state) & set(ckpt_state)
        if hasattr(ckpt_state[k], 'shape')
        and tuple(ckpt_state[k].shape) != tuple(model_state[k].shape))

    def _list(keys):
        head = ', '.join(keys[:8])
        return head + (f', ... ({len(keys)} in all)' if len(keys) > 8 else '')

    parts = []
    if missing:
        parts.append(f'missing in checkpoint: {_list(missing)}')
    if unexpected:
        parts.append(f'unexpected in checkpoint: {_list(unexpected)}')
    if shapes:
        parts.append(f'shape mismatch: {_list(shapes)}')
    return '; '.join(parts)


#: mmengine's own default hooks (``None`` removes one of them).
_MMENGINE_DEFAULT_HOOKS = ('runtime_info', 'timer', 'sampler_seed', 'logger',
                           'param_scheduler', 'checkpoint')


@RUNNERS.register_module()
class SketRetRunner(Runner):
    """mmengine's Runner with three changes and a readable terminal.

    - ``default_hooks.<name>=None`` turns off any default hook, also those
      sketret adds in ``configs/_base_/default_runtime.py``
      (``non_finite_loss``, ``corrupt_files``); mmengine accepts it only
      for its own.
    - Checkpoints are written atomically: to a hidden temporary file in the
      same directory, then renamed over the final name. A run killed (or a
      disk that fills) while saving leaves the previous checkpoint and
      ``last_checkpoint`` intact, never a half-written ``.pth``.
    - ``resume`` refuses a checkpoint whose model keys or shapes differ from
      the config's model (mmengine would load it non-strictly and train on
      with partly random weights).

    - ``'data_fact:<name>'`` values of the config are replaced by the
      dataset config's ``data_facts`` (:mod:`sketret.utils.data_facts`).

    And one warning: a run whose total batch (processes × batch per
    process) differs from ``auto_scale_lr.base_batch_size`` while the lr
    scaling is off says so (e.g. a ``1xb64`` config on 8 GPUs).

    The terminal shows records of ``console_log_level`` (a config key, set
    by ``tools/train.py --log-level``; without it, mmengine's behaviour) and
    above, plus the lines of ``ProgressHook``; the log file in the work dir
    keeps ``log_level`` (:func:`sketret.utils.console.setup_console`).
    """

    @classmethod
    def from_cfg(cls, cfg) -> 'SketRetRunner':
        """Build from a config whose ``'data_fact:<name>'`` values are
        replaced by the dataset config's ``data_facts`` first
        (:func:`~sketret.utils.data_facts.resolve_data_facts`; a config
        from ``load_config`` has them resolved already)."""
        from sketret.utils.data_facts import resolve_data_facts
        cfg = copy.deepcopy(cfg)
        resolve_data_facts(cfg)
        return super().from_cfg(cfg)

    def scale_lr(self, optim_wrapper, auto_scale_lr=None) -> None:
        cfg = auto_scale_lr or {}
        loader = self._train_dataloader
        per_rank = loader.batch_size if hasattr(
            loader, 'batch_size') else (loader or {}).get('batch_size')
        if ('base_batch_size' in cfg and not cfg.get('enable', False)
                and per_rank is not None
                and self.world_size * per_rank != cfg['base_batch_size']):
            self.logger.warning(
                f'The learning rate was set for a batch of '
                f'{cfg["base_batch_size"]} (auto_scale_lr.base_batch_size); '
                f'this run has {self.world_size} x {per_rank} = '
                f'{self.world_size * per_rank} and keeps it as it is. Pass '
                '--auto-scale-lr to tools/train.py to scale it linearly.')
        return super().scale_lr(optim_wrapper, auto_scale_lr)

    @staticmethod
    def build_dataloader(dataloader, seed=None, diff_rank_seed=False):
        """mmengine's, after resolving ``'auto'`` loader settings
        (``num_workers``, ``persistent_workers``, ``pin_memory``) for the
        device (:func:`sketret.utils.config_utils.resolve_auto_loader`), so
        that a config with them also builds outside ``tools/train.py``."""
        if isinstance(dataloader, dict):
            from sketret.utils.config_utils import resolve_auto_loader
            dataloader = resolve_auto_loader(
                copy.deepcopy(dataloader), torch.cuda.is_available())
        return Runner.build_dataloader(dataloader, seed, diff_rank_seed)

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        logger = super().build_logger(log_level, log_file, **kwargs)
        console = self.cfg.get('console_log_level')
        if console is not None:
            setup_console(logger, console)
        return logger
    def register_default_hooks(self, hooks=None) -> None:
        if hooks is not None:
            hooks = {
                name: hook
                for name, hook in hooks.items()
                if hook is not None or name in _MMENGINE_DEFAULT_HOOKS
            }
        super().register_default_hooks(hooks)

    @master_only
    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        tmp_name = f'.{filename}.tmp'
        tmp_path = osp.join(out_dir, tmp_name)
        try:
            super().save_checkpoint(out_dir, tmp_name, *args, **kwargs)
            os.replace(tmp_path, osp.join(out_dir, filename))
        except BaseException:
            if osp.exists(tmp_path):
                os.remove(tmp_path)
            raise

    def set_randomness(self, seed, diff_rank_seed=False,
                       deterministic=False):
        if deterministic:
            # mmengine turns cudnn autotuning (env_cfg.cudnn_benchmark) off
            # for a deterministic run, with a warning: the config asked for
            # determinism, there is nothing to act on. Same switch, quietly.
            torch.backends.cudnn.benchmark = False
        super().set_randomness(seed, diff_rank_seed, deterministic)

    def load_checkpoint(self, *args, **kwargs):
        with prints_to_log(self.logger):
            return super().load_checkpoint(*args, **kwargs)

    def resume(self, filename, *args, **kwargs):
        ckpt = torch.load(filename, map_location='cpu', weights_only=True)
        model = self.model.module if is_model_wrapper(self.model) \
            else self.model
        mismatch = state_dict_mismatch(model.state_dict(),
                                       ckpt.get('state_dict', {}))
        del ckpt
        if mismatch:
            raise RuntimeError(
                f'Cannot resume from "{filename}": it was saved by a '
                f'different model than this config builds ({mismatch}). '
                'Resume with the config that produced it, or start a new '
                'run with load_from=... to fine-tune from its weights.')
        with prints_to_log(self.logger):
            return super().resume(filename, *args, **kwargs)
