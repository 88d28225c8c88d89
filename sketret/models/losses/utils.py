# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Argument checks and the masked mean shared by sketret's losses."""
import math
import numbers

import torch


def check_non_negative(value, name: str, owner: str) -> float:
    """Return ``value`` as a float if it is a finite number ≥ 0, else raise
    ``ValueError`` naming ``owner`` and ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f'{owner}: {name} must be a finite number >= 0, '
                         f'got {value!r}')
    return float(value)


def check_positive(value, name: str, owner: str) -> float:
    """Return ``value`` as a float if it is a finite number > 0, else raise
    ``ValueError``."""
    value = check_non_negative(value, name, owner)
    if value == 0:
        raise ValueError(f'{owner}: {name} must be > 0, got {value!r}')
    return value


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` where ``mask`` is True, 0 when it is nowhere, with
    no host-device synchronisation (no ``if mask.any()``, no boolean
    indexing); ``values`` must be finite where ``mask`` is False."""
    return (values * mask).sum() / mask.sum().clamp_min(1)


def check_label_range(labels: torch.Tensor, num_classes: int,
                      owner: str) -> None:
    """Raise ``ValueError`` when a label is ``>= num_classes``, for labels
    on the CPU only: reading a device tensor's values would make the host
    wait for the device (sketret's retrievers check the labels on the host
    before they go to the device)."""
    if labels.device.type == 'cpu' and labels.numel() and \
            int(labels.max()) >= num_classes:
        raise ValueError(f'{owner}: label {int(labels.max())} but only '
                         f'{num_classes} classes')
