# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .sbir_data_preprocessor import SBIRDataPreprocessor

__all__ = ['SBIRDataPreprocessor']
