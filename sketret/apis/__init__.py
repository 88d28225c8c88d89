# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .gallery_index import INDEX_TYPES, GalleryIndex
from .inference import (
                        SketchRetriever,
                        default_device,
                        init_model,
                        list_gallery_images,
                        load_state_dict_strict,
                        model_fingerprint,
)
from .model_zoo import get_model, get_model_info, list_models, load_model_index
from .runner_utils import build_runner, load_checkpoint_strict

__all__ = [
    'GalleryIndex', 'INDEX_TYPES', 'SketchRetriever', 'init_model',
    'default_device', 'list_gallery_images', 'load_state_dict_strict',
    'model_fingerprint', 'build_runner', 'load_checkpoint_strict',
    'get_model', 'get_model_info', 'list_models', 'load_model_index'
]
