# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Paths of the bundled data, kept importable here: they live in
:mod:`sketret.utils.assets` (which needs no PyTorch)."""
from sketret.utils.assets import *  # noqa: F401,F403
from sketret.utils.assets import __all__  # noqa: F401
