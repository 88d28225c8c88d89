# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .formatting import PackSBIRInputs
from .loading import LoadSBIRImage
from .sketch_augment import RandomSketchAffine, StrokeWidth
from .strokes import (
    LoadStrokes,
    RandomStrokeAffine,
    RandomStrokeDropout,
    RenderStrokes,
    StrokeWidthJitter,
)

__all__ = [
    'LoadSBIRImage', 'StrokeWidth', 'RandomSketchAffine', 'PackSBIRInputs',
    'LoadStrokes', 'RandomStrokeAffine', 'RandomStrokeDropout',
    'StrokeWidthJitter', 'RenderStrokes'
]
