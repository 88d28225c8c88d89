# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""What a ZS-SBIR dataset does with image files that cannot be read.

:class:`CorruptFileHandler` holds a dataset's policy (``'error'`` or
``'skip'``), the files it skipped, the up-front ``verify_files`` pass and
the replacement of an unreadable training sample by another one of the same
class and modality.

A replacement is written into the replacing sample itself (meta field
:data:`REPLACED_FILES_KEY` of its data sample), so that it reaches the main
process with the batch whatever the number of data-loader workers; there
:class:`~sketret.engine.hooks.CorruptFileHook` counts it, logs the count and
stops the run above a threshold (:func:`replaced_files_in_batch`).
"""
import logging
from typing import Callable, Iterable, List, Sequence, Tuple

from mmengine.logging import print_log

from .image_io import CorruptImageError, read_sbir_image

__all__ = [
    'READ_ERRORS', 'REPLACED_FILES_KEY', 'CorruptFileHandler',
    'replaced_files_in_batch'
]

#: The errors that mean "this file cannot be read" (both name the file).
READ_ERRORS = (CorruptImageError, FileNotFoundError)
#: Data-sample meta field listing the ``(path, reason)`` of the unreadable
#: files a training sample stands in for.
REPLACED_FILES_KEY = 'replaced_files'

#: One skipped file: ``(path, reason)``.
SkippedFile = Tuple[str, str]


def replaced_files_in_batch(data_batch) -> List[SkippedFile]:
    """The ``(path, reason)`` of every unreadable file that a sample of
    ``data_batch`` (``dict(inputs, data_samples=[...])``) replaced, one entry
    per replacement. Empty for batches without data samples."""
    samples = data_batch.get('data_samples') if isinstance(
        data_batch, dict) else None
    out: List[SkippedFile] = []
    for sample in samples or ():
        metainfo = getattr(sample, 'metainfo', None) or {}
        out += [tuple(f) for f in metainfo.get(REPLACED_FILES_KEY, ())]
    return out


def _mark_replaced(result, failed: Sequence[SkippedFile]) -> None:
    samples = result.get('data_samples') if isinstance(result,
                                                       dict) else None
    if hasattr(samples, 'set_metainfo'):
        samples.set_metainfo({REPLACED_FILES_KEY: tuple(failed)})


class CorruptFileHandler:
    """The unreadable-file policy of one dataset (one copy per process).

    Args:
        policy (str): ``'error'``: reading a bad file raises an error that
            names it; ``'skip'``: bad files are skipped and counted.
        owner (str): Name used in messages (the dataset class).
        substitute (bool): With ``'skip'``, replace an unreadable sample at
            load time by another one (training). When False (evaluation
            subsets, whose files are all checked up front) a file that
            breaks later raises.
    """

    def __init__(self, policy: str, owner: str, substitute: bool):
        self.policy = policy
        self.owner = owner
        self.substitute = policy == 'skip' and bool(substitute)
        #: ``(path, reason)`` of every file skipped by this process.
        self.skipped_files: List[SkippedFile] = []
        self._reasons = {}

    # ------------------------------------------------------------------
    def verify(self, data_list: List[dict]) -> List[dict]:
        """Decode every file of ``data_list`` once.

        Returns:
            list: ``data_list`` without the unreadable files (policy
            ``'skip'``, which records and logs them).

        Raises:
            CorruptImageError: Policy ``'error'`` and some files are
                unreadable; the message lists them (the first 20).
        """
        keep, bad = [], []
        for info in data_list:
            try:
                read_sbir_image(info['img_path'], info['modality'])
            except READ_ERRORS as err:
                bad.append((info['img_path'], str(err)))
            else:
                keep.append(info)
        if not bad:
            return data_list
        if self.policy == 'error':
            listing = '\n'.join(f'  {msg}' for _, msg in bad[:20])
            more = f'\n  ... and {len(bad) - 20} more' if len(bad) > 20 else ''
            raise CorruptImageError(
                bad[0][0], f'{len(bad)} of {len(data_list)} files are '
                f'missing or corrupt:\n{listing}{more}\n'
                "(pass on_corrupt='skip' to drop them)")
        for path, reason in bad:
            self._reasons[path] = reason
        self.skipped_files += bad
        print_log(
            f'{self.owner}: skipped {len(bad)} missing or corrupt files '
            f'(first: {bad[0][1]}); see dataset.skipped_files.',
            logger='current',
            level=logging.WARNING)
        return keep

    def load(self, idx: int, load: Callable[[int], object],
             img_path: Callable[[int], str],
             alternatives: Callable[[], Iterable[int]]):
        """``load(idx)``, or with substitution on, the first of
        ``alternatives()`` that loads when ``idx``'s file is unreadable.

        The result of a replacement lists the files it stands in for
        (:data:`REPLACED_FILES_KEY`). A file known to be bad in this process
        is not read again (its index is replaced at once).

        Args:
            idx (int): The sample index.
            load (callable): Index -> loaded sample (raises one of
                :data:`READ_ERRORS` for an unreadable file).
            img_path (callable): Index -> its file.
            alternatives (callable): Returns the indices to try instead,
                in order (only called when ``idx`` fails).

        Raises:
            CorruptImageError | FileNotFoundError: The file is unreadable
                and substitution is off.
            RuntimeError: No alternative loads either.
        """
        if not self.substitute:
            return load(idx)
        failed: List[SkippedFile] = []
        candidates = None
        current = idx
        while True:
            # the path is looked up only once a file has failed
            path = img_path(current) if self._reasons else None
            if path in self._reasons:
                failed.append((path, self._reasons[path]))
            else:
                try:
                    result = load(current)
                except READ_ERRORS as err:
                    failed.append(self._note(img_path(current), err))
                else:
                    if failed:
                        _mark_replaced(result, failed)
                    return result
            if candidates is None:
                candidates = iter(alternatives())
            current = next(candidates, None)
            if current is None:
                raise RuntimeError(
                    f'{self.owner}: sample {idx} ("{img_path(idx)}") is '
                    'unreadable and so is every other sample of its class '
                    f'and modality: {[p for p, _ in failed]}')

    def _note(self, path: str, err: Exception) -> SkippedFile:
        self._reasons[path] = str(err)
        self.skipped_files.append((path, str(err)))
        print_log(
            f'{self.owner}: skipping unreadable file ({err}); '
            f'{len(self.skipped_files)} skipped so far in this process.',
            logger='current',
            level=logging.WARNING)
        return path, str(err)
