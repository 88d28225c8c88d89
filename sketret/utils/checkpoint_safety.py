# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Let ``torch.load(..., weights_only=True)`` read mmengine checkpoints.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``, which
refuses any global that is not allow-listed. mmengine checkpoints carry a
``message_hub`` (``HistoryBuffer`` objects holding numpy arrays) and numpy
scalars in ``meta``, so ``load_checkpoint``, ``resume`` and ``load_from`` fail
with ``Unsupported global``. Instead of switching ``weights_only`` off (which
would let a checkpoint run arbitrary code), we allow-list exactly the classes
and functions such checkpoints need. Everything else is still refused.
"""
import numpy as np

_REGISTERED = False


def checkpoint_safe_globals():
    """Return the list of globals that sketret allow-lists for loading."""
    from mmengine.logging import HistoryBuffer

    dtype_classes = [
        getattr(np.dtypes, name) for name in dir(np.dtypes)
        if name.endswith('DType')
        and isinstance(getattr(np.dtypes, name), type)
    ]
    return [
        HistoryBuffer,
        # mmengine stores HistoryBuffer statistics via getattr-based reduce.
        getattr,
        np.ndarray,
        np.dtype,
        # numpy >= 2 pickles arrays and scalars through numpy._core.
        np._core.multiarray._reconstruct,
        np._core.multiarray.scalar,
        *dtype_classes,
    ]


def register_checkpoint_safe_globals():
    """Allow-list the globals of mmengine checkpoints (idempotent)."""
    global _REGISTERED
    import torch
    if _REGISTERED or not hasattr(torch.serialization, 'add_safe_globals'):
        return
    torch.serialization.add_safe_globals(checkpoint_safe_globals())
    _REGISTERED = True
