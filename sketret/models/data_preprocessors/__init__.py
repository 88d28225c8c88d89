# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Data preprocessors: batch and normalise sketch/photo images."""
from .sbir_data_preprocessor import SBIRDataPreprocessor

__all__ = ['SBIRDataPreprocessor']
