# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Image decoding, kept importable here: it lives in
:mod:`sketret.utils.image_io` (which needs no PyTorch)."""
from sketret.utils.image_io import *  # noqa: F401,F403
from sketret.utils.image_io import __all__  # noqa: F401
