# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Inference: build models (from configs or the model zoo), encode
sketches and photos, search galleries.

Names are imported on first use, so ``from sketret.apis import
SketchRetriever, GalleryIndex`` does not import PyTorch: a retriever
running an exported ONNX model needs only onnxruntime and faiss.
"""
import importlib

_EXPORTS = {
    'gallery_index': ('GalleryIndex', 'INDEX_TYPES'),
    'inference': ('SketchRetriever', 'default_device', 'init_model',
                  'list_gallery_images', 'load_state_dict_strict',
                  'model_fingerprint'),
    'model_zoo': ('get_model', 'get_model_info', 'list_models',
                  'load_model_index', 'checkpoint_cache_dir'),
    'onnx_backend': ('OnnxEncoder', ),
    'runner_utils': ('build_runner', 'load_checkpoint_strict'),
}
_WHERE = {name: mod for mod, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        module = importlib.import_module(f'{__name__}.{_WHERE[name]}')
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__():
    return sorted(set(globals()) | set(__all__))
