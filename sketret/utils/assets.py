# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Locate the data shipped inside the sketret package (``sketret/assets``).

The folder is found from this module's own location, so the same code works
from a git clone (editable install) and from an installed wheel (the assets
are package data, see ``setup.py``).
"""
import os.path as osp

__all__ = [
    'ASSETS_ROOT', 'get_asset_path', 'SBIR_MINI_ROOT', 'SPLITS_ROOT',
    'EMBEDDINGS_ROOT'
]

#: ``sketret/assets`` of the imported sketret package.
ASSETS_ROOT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                       'assets')
#: The bundled real set (see ``sketret/assets/sbir-mini/README.md``).
SBIR_MINI_ROOT = osp.join(ASSETS_ROOT, 'sbir-mini')
#: Official split lists (see ``sketret/assets/splits/README.md``).
SPLITS_ROOT = osp.join(ASSETS_ROOT, 'splits')
#: Class-vector files (see ``sketret/assets/embeddings/README.md``).
EMBEDDINGS_ROOT = osp.join(ASSETS_ROOT, 'embeddings')


def get_asset_path(*parts: str, must_exist: bool = True) -> str:
    """Path of a file or folder inside ``sketret/assets``.

    Raises:
        FileNotFoundError: ``must_exist`` and the path does not exist (the
            package was installed without its package data).
    """
    path = osp.join(ASSETS_ROOT, *parts)
    if must_exist and not osp.exists(path):
        raise FileNotFoundError(
            f'sketret asset "{osp.join(*parts)}" not found at {path}; the '
            'package data is missing (reinstall sketret, e.g. '
            '`pip install -e .` from a clone).')
    return path
