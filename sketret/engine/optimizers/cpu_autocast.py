# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from sketret.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """Mixed precision on the CPU: forward passes under bf16 autocast.

    mmengine's ``AmpOptimWrapper`` needs a GPU. On the CPU, bfloat16 has the
    range of float32, so no loss scaling is needed; parameters and the
    optimizer stay in float32. ``tools/train.py --amp`` picks this wrapper
    when no GPU is used.

    Args:
        dtype (str): Autocast dtype, ``'bfloat16'`` (default) or
            ``'float16'``.
        **kwargs: Arguments of :class:`mmengine.optim.OptimWrapper`.
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs):
        super().__init__(**kwargs)
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError(
                f'dtype must be "bfloat16" or "float16", got "{dtype}"')
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model):
        with super().optim_context(model):
            with torch.autocast(device_type='cpu', dtype=self.cast_dtype):
                yield
