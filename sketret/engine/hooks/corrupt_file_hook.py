# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Count training samples replaced because their file was unreadable; stop
the run when there are too many."""
import logging
from typing import Dict, List, Optional

import torch
from mmengine.dist import all_gather_object, all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log

from sketret.datasets.corrupt_files import replaced_files_in_batch
from sketret.registry import HOOKS

__all__ = ['CorruptFileHook', 'TooManyCorruptFilesError']


class TooManyCorruptFilesError(RuntimeError):
    """More training samples than allowed were unreadable in one epoch (the
    message lists the files)."""


def _samples_per_epoch(loader) -> int:
    """Samples one rank draws per epoch (the sampler's length)."""
    batch_sampler = getattr(loader, 'batch_sampler', None)
    sampler = getattr(batch_sampler, 'sampler', None) or getattr(
        loader, 'sampler', None)
    try:
        return len(sampler)
    except TypeError:
        return len(loader.dataset)


@HOOKS.register_module()
class CorruptFileHook(Hook):
    """Training samples whose image file could not be read: count, log,
    and stop above ``max_ratio`` of an epoch.

    A dataset built with ``on_corrupt='skip'`` replaces an unreadable
    training sample by another one of the same class and modality and marks
    the replacement (see :mod:`sketret.datasets.corrupt_files`). Before each
    iteration this hook counts the marks of the batch, in the main process,
    so the count is exact with any number of data-loader workers; with
    several ranks the counts are summed over ranks (one small all-reduce per
    iteration).

    - The count of the current epoch is logged with the losses as
      ``skipped_samples`` (from the first replacement on), and each epoch
      that had some ends with a warning listing the files.
    - When it exceeds ``max_ratio`` times the samples of an epoch (all
      ranks), the run stops at once with
      :class:`TooManyCorruptFilesError` listing the files and how often each
      was replaced.

    An epoch is the train loop's epoch; with an iteration-based loop, each
    run of one sampler length of samples.

    Args:
        max_ratio (float): Largest fraction of an epoch's samples that may be
            replaced. Defaults to 0.01 (1 %, default chosen by sketret).
    """

    priority = 'NORMAL'

    def __init__(self, max_ratio: float = 0.01):
        if not 0 <= float(max_ratio) <= 1:
            raise ValueError(
                f'CorruptFileHook: max_ratio must be in [0, 1], got '
                f'{max_ratio!r}')
        self.max_ratio = float(max_ratio)
        self._files: Dict[str, List] = {}  # path -> [count, reason]
        self._count = 0
        self._seen = 0
        self._epoch_samples: Optional[int] = None

    def _reset(self) -> None:
        self._files = {}
        self._count = 0
        self._seen = 0

    def before_train(self, runner) -> None:
        local = torch.tensor([_samples_per_epoch(runner.train_dataloader)],
                             dtype=torch.int64)
        all_reduce(local)
        self._epoch_samples = int(local.item())

    def before_train_epoch(self, runner) -> None:
        self._reset()

    @property
    def limit(self) -> float:
        """Replacements allowed per epoch (all ranks)."""
        return self.max_ratio * (self._epoch_samples or 0)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        replaced = replaced_files_in_batch(data_batch)
        samples = data_batch.get('data_samples') if isinstance(
            data_batch, dict) else None
        counts = torch.tensor([len(replaced), len(samples or ())],
                              dtype=torch.int64)
        all_reduce(counts)
        n_replaced, n_samples = (int(v) for v in counts.tolist())
        if self._epoch_samples and self._seen >= self._epoch_samples:
            self._reset()  # iteration-based loop: a new "epoch"
        self._seen += n_samples
        if not n_replaced:
            return
        if get_world_size() > 1:
            replaced = sum(all_gather_object(replaced), [])
        for path, reason in replaced:
            entry = self._files.setdefault(path, [0, reason])
            entry[0] += 1
        self._count += n_replaced
        runner.message_hub.update_scalar('train/skipped_samples',
                                         self._count)
        if self._count > self.limit:
            message = (
                f'{self._count} training samples of epoch '
                f'{runner.epoch + 1} were unreadable (more than max_ratio='
                f'{self.max_ratio} of the {self._epoch_samples} samples of '
                f'an epoch); stopping at iteration {runner.iter + 1}. Fix '
                'or remove these files, or raise '
                'default_hooks.corrupt_files.max_ratio:\n' + self._listing())
            # in the log file too, not only on the console
            print_log(message, logger='current', level=logging.ERROR)
            raise TooManyCorruptFilesError(message)

    def after_train_epoch(self, runner) -> None:
        if self._count:
            print_log(
                f'Epoch {runner.epoch + 1}: {self._count} training samples '
                f'replaced because their file is unreadable (limit '
                f'{self.limit:g}):\n{self._listing()}',
                logger='current',
                level=logging.WARNING)
            runner.message_hub.update_scalar('train/skipped_samples', 0)
        self._reset()

    def _listing(self, most: int = 50) -> str:
        rows = sorted(self._files.items())
        # a reason usually names its file already
        lines = [
            f'  {reason if path in reason else f"{path}: {reason}"} '
            f'({count}x)' for path, (count, reason) in rows[:most]
        ]
        if len(rows) > most:
            lines.append(f'  ... and {len(rows) - most} more files')
        return '\n'.join(lines)
