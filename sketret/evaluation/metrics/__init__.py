# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .sbir_retrieval import SBIRRetrievalMetric

__all__ = ['SBIRRetrievalMetric']
