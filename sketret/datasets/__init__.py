# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Datasets, samplers, transforms and class semantics of sketret.

Importing this package registers every component (DATASETS, DATA_SAMPLERS,
TRANSFORMS, CLASS_SEMANTICS).
"""
from . import samplers, transforms
from .assets import SBIR_MINI_ROOT, get_asset_path
from .base_sbir_dataset import BaseSBIRDataset, DatasetNotFoundError
from .benchmarks import QuickDrawExtended, SketchyExtended, TUBerlinExtended
from .class_names import (
    ClassNameMatcher,
    compact_class_name,
    match_class_names,
    normalize_class_name,
)
from .class_semantics import (
    BUNDLED_VECTOR_FILES,
    MiniLMClassVectors,
    MissingClassVectorsError,
    NpzClassVectors,
)
from .image_io import CorruptImageError, read_sbir_image
from .qd_imagenet import QDImageNet, qd_imagenet_folds
from .samplers import ClassBalancedPairBatchSampler, ClassBalancedPairSampler
from .sketch_photo_folder import SBIRMini, SketchPhotoFolder
from .split_files import sempcyc_class_split
from .transforms import (
    LoadSBIRImage,
    LoadStrokes,
    PackSBIRInputs,
    RandomSketchAffine,
    RandomStrokeAffine,
    RandomStrokeDropout,
    RenderStrokes,
    StrokeWidth,
    StrokeWidthJitter,
)

__all__ = [
    'samplers', 'transforms', 'BaseSBIRDataset', 'DatasetNotFoundError',
    'SketchyExtended',
    'TUBerlinExtended', 'QuickDrawExtended', 'SketchPhotoFolder', 'SBIRMini',
    'ClassBalancedPairSampler', 'ClassBalancedPairBatchSampler',
    'LoadSBIRImage', 'StrokeWidth', 'RandomSketchAffine', 'PackSBIRInputs',
    'LoadStrokes', 'RandomStrokeAffine', 'RandomStrokeDropout',
    'StrokeWidthJitter', 'RenderStrokes',
    'NpzClassVectors', 'MiniLMClassVectors', 'MissingClassVectorsError',
    'BUNDLED_VECTOR_FILES', 'normalize_class_name', 'compact_class_name',
    'match_class_names', 'ClassNameMatcher', 'CorruptImageError',
    'read_sbir_image', 'sempcyc_class_split', 'SBIR_MINI_ROOT',
    'get_asset_path', 'QDImageNet', 'qd_imagenet_folds'
]
