# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Argument checks shared by sketret's losses."""
import math
import numbers


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
