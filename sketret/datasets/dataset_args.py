# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Argument checks of the ZS-SBIR datasets (one message per bad value)."""
from typing import Optional

__all__ = ['MODALITIES', 'SUBSETS', 'ON_CORRUPT', 'check_dataset_args']

#: Values of a dataset's ``modality``.
MODALITIES = ('sketch', 'photo', 'both')
#: Values of a dataset's ``subset``.
SUBSETS = ('train', 'val', 'test')
#: Values of a dataset's ``on_corrupt``.
ON_CORRUPT = ('error', 'skip')
#: ``mmengine.dataset.BaseDataset`` arguments that the SBIR datasets refuse:
#: their files come from the split, not from an annotation file.
REFUSED_KWARGS = ('ann_file', 'data_prefix', 'filter_cfg')


def check_dataset_args(dataset: str, data_root: Optional[str], modality: str,
                       subset: str, generalized: bool, on_corrupt: str,
                       val_ratio: float, generalized_ratio: float,
                       kwargs: dict) -> None:
    """Raise on the first invalid constructor argument of a ZS-SBIR dataset.

    Args:
        dataset (str): The dataset class name (used in messages).
        data_root, modality, subset, generalized, on_corrupt, val_ratio,
            generalized_ratio: See :class:`~sketret.datasets.BaseSBIRDataset`.
        kwargs (dict): The remaining keyword arguments (passed to
            ``mmengine.dataset.BaseDataset``).

    Raises:
        ValueError: A value is out of its range; the message names the
            argument, the expected values and the value given.
        TypeError: ``kwargs`` holds an argument the dataset does not take.
    """
    if modality not in MODALITIES:
        raise ValueError(f'modality must be one of {MODALITIES}, got '
                         f'{modality!r}')
    if subset not in SUBSETS:
        raise ValueError(f'subset must be one of {SUBSETS}, got {subset!r}')
    if generalized and subset != 'test':
        raise ValueError('generalized=True only applies to '
                         f"subset='test', got subset={subset!r}")
    if on_corrupt not in ON_CORRUPT:
        raise ValueError("on_corrupt must be 'error' or 'skip', got "
                         f'{on_corrupt!r}')
    if not 0 <= val_ratio < 1:
        raise ValueError(f'val_ratio must be in [0, 1), got {val_ratio}')
    if not 0 <= generalized_ratio:
        raise ValueError('generalized_ratio must be >= 0, got '
                         f'{generalized_ratio}')
    for key in REFUSED_KWARGS:
        if key in kwargs:
            raise TypeError(f'{dataset} does not take {key!r}: files come '
                            'from the split')
    if data_root is None or str(data_root) == '':
        raise ValueError(f'{dataset} needs a data_root')
