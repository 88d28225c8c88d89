# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Data structures: :class:`SBIRDataSample` (mmengine, needs PyTorch) and
the torch-free vector sketch structure of :mod:`.strokes`.

``SBIRDataSample`` is imported on first use, so that ``sketret.structures.
strokes`` (used by the sketch pad and the ONNX serving path) imports no
PyTorch."""

__all__ = ['SBIRDataSample']


def __getattr__(name):
    if name == 'SBIRDataSample':
        from .sbir_data_sample import SBIRDataSample
        return SBIRDataSample
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
