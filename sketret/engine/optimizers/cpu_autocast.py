# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from sketret.registry import OPTIM_WRAPPERS


def check_cpu_autocast_dtype(dtype: str) -> None:
    """Raise ``ValueError`` unless ``dtype`` is ``'bfloat16'`` (the only
    dtype :class:`CPUAutocastOptimWrapper` accepts; float16 with a reason).
    """
    if dtype == 'float16':
        raise ValueError(
            'CPUAutocastOptimWrapper: dtype "float16" is not supported: '
            'without loss scaling float16 overflows on the CPU (the IB '
            'loss KL term becomes inf). Use dtype "bfloat16" (the range '
            'of float32), or AmpOptimWrapper (float16 with loss scaling) '
            'on a GPU.')
    if dtype != 'bfloat16':
        raise ValueError('CPUAutocastOptimWrapper: dtype must be '
                         f'"bfloat16", got "{dtype}"')


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """Mixed precision on the CPU: forward passes under bf16 autocast.

    mmengine's ``AmpOptimWrapper`` needs a GPU. On the CPU, bfloat16 has the
    range of float32, so no loss scaling is needed; parameters and the
    optimizer stay in float32. ``tools/train.py --amp`` picks this wrapper
    when no GPU is used.

    float16 is refused: without loss scaling its range (largest value
    65504) is too small on the CPU; e.g. BDA-SketRet's IB loss KL term
    becomes infinite under float16 autocast. Use bfloat16 here, or
    ``AmpOptimWrapper`` (float16 with loss scaling) on a GPU.

    Args:
        dtype (str): Autocast dtype; only ``'bfloat16'`` (the default).
        **kwargs: Arguments of :class:`mmengine.optim.OptimWrapper`.

    Raises:
        ValueError: ``dtype`` is not ``'bfloat16'``.
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs):
        check_cpu_autocast_dtype(dtype)
        super().__init__(**kwargs)
        self.cast_dtype = torch.bfloat16

    @contextmanager
    def optim_context(self, model):
        with super().optim_context(model):
            with torch.autocast(device_type='cpu', dtype=self.cast_dtype):
                yield
