# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
__all__ = []
