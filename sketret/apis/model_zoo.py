# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The model zoo: ``model_zoo/model-index.yml`` and the metafiles it
imports (mmpretrain's format), and models built from them."""
import difflib
import fnmatch
import os.path as osp
from typing import Dict, List, Optional

import yaml

#: The repository root (configs/ and model_zoo/ live there).
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODEL_INDEX = osp.join(REPO_ROOT, 'model_zoo', 'model-index.yml')


def _read_yaml(path: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Model index file "{path}" not found. The model zoo needs '
            'sketret installed from a clone (pip install -e .).')
    with open(path, encoding='utf-8') as f:
        return yaml.safe_load(f) or {}


def load_model_index(index_file: str = MODEL_INDEX) -> Dict[str, dict]:
    """Read every model of the zoo.

    Returns:
        dict: ``name -> entry``; each entry is the metafile's model dict,
        with ``Config`` and ``Weights`` turned into absolute paths (paths in
        metafiles are relative to the repository root).
    """
    index = _read_yaml(index_file)
    models = {}
    for rel in index.get('Import', []):
        meta_file = osp.normpath(osp.join(osp.dirname(index_file), rel))
        meta = _read_yaml(meta_file)
        for model in meta.get('Models', []):
            entry = dict(model)
            for key in ('Config', 'Weights'):
                if entry.get(key):
                    entry[key] = osp.join(REPO_ROOT, entry[key])
            entry['Metafile'] = meta_file
            if entry['Name'] in models:
                raise ValueError(f'model name "{entry["Name"]}" appears '
                                 f'twice ({meta_file})')
            models[entry['Name']] = entry
    return models


def list_models(pattern: Optional[str] = None,
                with_weights: bool = False) -> List[str]:
    """Names of the zoo's models, optionally filtered by a wildcard
    pattern (``'*sbir-mini*'``) and to those with shipped weights.

    Examples:
        >>> 'bda-sketret_efficientnet-lite0_1xb32_sbir-mini' in list_models()
        True
    """
    models = load_model_index()
    names = sorted(models)
    if pattern:
        names = [n for n in names if fnmatch.fnmatch(n, pattern)]
    if with_weights:
        names = [n for n in names if models[n].get('Weights')]
    return names


def get_model_info(name: str) -> dict:
    """The metafile entry of one model (unknown names list close
    matches)."""
    models = load_model_index()
    if name not in models:
        close = difflib.get_close_matches(name, list(models), n=3,
                                          cutoff=0.4)
        hint = (f' Did you mean: {", ".join(close)}?' if close else
                f' Available: {", ".join(sorted(models))}.')
        raise ValueError(f'Unknown model "{name}".{hint}')
    return models[name]


def get_model(name: str, pretrained: bool = True,
              device: Optional[str] = None):
    """Build a zoo model, with its shipped weights when ``pretrained``.

    Args:
        name (str): A name from :func:`list_models`.
        pretrained (bool): Load the zoo checkpoint (fp16 storage is restored
            to fp32).
        device (str, optional): Default CUDA when available, else CPU.

    Returns:
        nn.Module: In eval mode, with ``.cfg`` and ``.model_name`` set.
    """
    from .inference import init_model
    info = get_model_info(name)
    checkpoint = None
    if pretrained:
        checkpoint = info.get('Weights')
        if not checkpoint:
            raise ValueError(f'Model "{name}" has no shipped weights; use '
                             'pretrained=False or train it.')
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'Weights of "{name}" are missing: {checkpoint}')
    model = init_model(info['Config'], checkpoint, device=device)
    model.model_name = name
    return model
