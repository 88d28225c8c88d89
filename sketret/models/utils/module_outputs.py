# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Pick the tensor out of a module output that may be an mmpretrain-style
tuple."""
from typing import Sequence, Union

import torch


def last_tensor(
        x: Union[torch.Tensor, Sequence[torch.Tensor]]) -> torch.Tensor:
    """``x`` itself when it is a tensor, else the last item of a tuple or
    list of tensors (mmpretrain backbones and necks return tuples whose
    last item is the deepest output).

    Raises:
        ValueError: ``x`` is an empty tuple or list.
    """
    if isinstance(x, torch.Tensor):
        return x
    if len(x) == 0:
        raise ValueError('expected at least one tensor, got none')
    return x[-1]
