# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .optimizers import *  # noqa: F401,F403
from .runners import *  # noqa: F401,F403
