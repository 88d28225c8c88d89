# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Retrievers: whole sketch/photo retrieval models (the shared base,
BDA-SketRet and the generic retriever of the baselines)."""
from .base_retriever import BaseSBIRRetriever
from .bda_sketret import BDASketRet
from .sketch_photo_retriever import SketchPhotoRetriever

__all__ = ['BaseSBIRRetriever', 'BDASketRet', 'SketchPhotoRetriever']
