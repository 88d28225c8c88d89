# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Reach the model inside an mmengine/torch model wrapper (DDP etc.)."""
import torch.nn as nn
from mmengine.model import is_model_wrapper


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model inside an mmengine/torch model wrapper (DDP etc.), or
    ``model`` itself when it is not wrapped."""
    return model.module if is_model_wrapper(model) else model
