# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The model zoo: ``model_zoo/model-index.yml`` and the metafiles it
imports (mmpretrain's format), and models built from them."""
import difflib
import fnmatch
import hashlib
import os
import os.path as osp
from typing import Dict, List, Optional

import yaml

#: The ``sketret`` package folder.
PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: The repository root of a clone (configs/ and model_zoo/ live there).
REPO_ROOT = osp.dirname(PACKAGE_DIR)
#: Where an installed wheel keeps configs/, tools/ and model_zoo/ (as
#: mmpretrain does; ``setup.py`` copies them at build time).
MIM_ROOT = osp.join(PACKAGE_DIR, '.mim')
#: Relative path of the model index under a root.
INDEX_REL = osp.join('model_zoo', 'model-index.yml')
#: Environment variable naming the checkpoint cache's parent folder.
HOME_ENV = 'SKETRET_HOME'
#: The command that puts checkpoints into the cache.
FETCH_COMMAND = 'sketret-fetch'


def zoo_root() -> str:
    """The folder that holds ``configs/`` and ``model_zoo/``: a clone's
    root when sketret runs from one, else the installed package's
    ``.mim``."""
    for root in (REPO_ROOT, MIM_ROOT):
        if (osp.isfile(osp.join(root, INDEX_REL))
                and osp.isdir(osp.join(root, 'configs'))):
            return root
    raise FileNotFoundError(
        f'The model index ({INDEX_REL}) was found neither in a clone '
        f'({REPO_ROOT}) nor in the installed package ({MIM_ROOT}); '
        'reinstall sketret (pip install sketret-*.whl, or pip install -e . '
        'in a clone).')


#: Kept for callers of earlier versions: the index file of
#: :func:`zoo_root` when one is found at import time.
try:
    MODEL_INDEX = osp.join(zoo_root(), INDEX_REL)
except FileNotFoundError:
    MODEL_INDEX = osp.join(REPO_ROOT, INDEX_REL)


def checkpoint_cache_dir() -> str:
    """``$SKETRET_HOME/checkpoints``; ``SKETRET_HOME`` defaults to
    ``~/.cache/sketret`` (``$XDG_CACHE_HOME/sketret`` when that is set).
    """
    home = os.environ.get(HOME_ENV)
    if not home:
        cache = os.environ.get('XDG_CACHE_HOME') or osp.join(
            osp.expanduser('~'), '.cache')
        home = osp.join(cache, 'sketret')
    return osp.join(home, 'checkpoints')


def _read_yaml(path: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'Model index file "{path}" not found.')
    with open(path, encoding='utf-8') as f:
        return yaml.safe_load(f) or {}


def find_checkpoint(weights: str, root: Optional[str] = None) -> str:
    """Where the checkpoint of a metafile's ``Weights`` entry (relative to
    the repository root) is: the clone's file when it exists, else its
    place in :func:`checkpoint_cache_dir` (which may not exist yet)."""
    root = root or zoo_root()
    local = osp.join(root, weights)
    if osp.isfile(local):
        return local
    return osp.join(checkpoint_cache_dir(), osp.basename(weights))


def load_model_index(index_file: Optional[str] = None) -> Dict[str, dict]:
    """Read every model of the zoo.

    Returns:
        dict: ``name -> entry``; each entry is the metafile's model dict,
        with ``Config`` an absolute path and ``Weights`` the checkpoint's
        path (see :func:`find_checkpoint`; ``Weights Source`` keeps the
        metafile's value). Paths in metafiles are relative to the root that
        holds ``model_zoo/``.
    """
    if index_file is None:
        index_file = osp.join(zoo_root(), INDEX_REL)
    root = osp.dirname(osp.dirname(osp.abspath(index_file)))
    index = _read_yaml(index_file)
    models = {}
    for rel in index.get('Import', []):
        meta_file = osp.normpath(osp.join(osp.dirname(index_file), rel))
        meta = _read_yaml(meta_file)
        for model in meta.get('Models', []):
            entry = dict(model)
            if entry.get('Config'):
                entry['Config'] = osp.join(root, entry['Config'])
            if entry.get('Weights'):
                entry['Weights Source'] = entry['Weights']
                entry['Weights'] = find_checkpoint(entry['Weights'], root)
            entry['Metafile'] = meta_file
            if entry['Name'] in models:
                raise ValueError(f'model name "{entry["Name"]}" appears '
                                 f'twice ({meta_file})')
            models[entry['Name']] = entry
    return models


def sha256sum(path: str) -> str:
    """Hex sha256 of a file."""
    sha = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            sha.update(block)
    return sha.hexdigest()


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
                f'The checkpoint of "{name}" is not in the cache: '
                f'{checkpoint} does not exist (the wheel does not ship '
                'checkpoints). Put it there from a folder or URL that has '
                f'{osp.basename(checkpoint)}, which also checks its sha256:'
                f'\n    {FETCH_COMMAND} {name} --from DIR_OR_URL\n'
                f'(or python -m sketret.apis.fetch {name} --from '
                f'DIR_OR_URL); set {HOME_ENV} to use another cache folder.')
    model = init_model(info['Config'], checkpoint, device=device)
    model.model_name = name
    return model


def _copy_verified(src_open, dst: str, sha256: Optional[str],
                   what: str) -> None:
    """Stream ``src_open()`` into ``dst`` through a temporary file, checking
    the sha256 before the file gets its name."""
    os.makedirs(osp.dirname(dst), exist_ok=True)
    tmp = f'{dst}.part{os.getpid()}'
    sha = hashlib.sha256()
    try:
        with src_open() as src, open(tmp, 'wb') as out:
            for block in iter(lambda: src.read(1 << 20), b''):
                sha.update(block)
                out.write(block)
        if sha256 and sha.hexdigest() != sha256:
            raise ValueError(
                f'{what} has sha256 {sha.hexdigest()}, but the metafile '
                f'records {sha256}: a different or damaged file; not used.')
        os.replace(tmp, dst)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def fetch_checkpoint(name: str, source: str, force: bool = False) -> str:
    """Put the checkpoint of zoo model ``name`` into the cache.

    Args:
        name (str): A name from :func:`list_models`.
        source (str): A folder holding the file (directly, or at the
            metafile's relative path, as a clone does), or an
            ``http(s)://``/``file://`` URL of the file or of a folder
            holding it.
        force (bool): Replace a cached file whose sha256 is wrong.

    Returns:
        str: The cached checkpoint's path.

    Raises:
        ValueError: No weights in the zoo, or the sha256 differs from the
            metafile's ``SHA256``.
        FileNotFoundError: ``source`` has no such file.
    """
    info = get_model_info(name)
    rel = info.get('Weights Source')
    if not rel:
        raise ValueError(f'Model "{name}" has no shipped weights to fetch.')
    expected = info.get('SHA256')
    base = osp.basename(rel)
    dst = osp.join(checkpoint_cache_dir(), base)
    if osp.isfile(dst):
        if expected is None or sha256sum(dst) == expected:
            return dst
        if not force:
            raise ValueError(
                f'{dst} exists but its sha256 is not the metafile\'s '
                f'{expected}; remove it or pass --force to replace it.')
    if '://' in source:
        import urllib.request
        url = source if source.endswith('.pth') else (
            source.rstrip('/') + '/' + base)
        _copy_verified(lambda: urllib.request.urlopen(url, timeout=60), dst,
                       expected, url)
        return dst
    if osp.isfile(source):
        candidates = [source]
    else:
        if not osp.isdir(source):
            raise FileNotFoundError(
                f'--from "{source}" is neither a folder, a file nor a URL.')
        candidates = [
            osp.join(source, base),
            osp.join(source, rel),
            osp.join(source, osp.relpath(rel, 'model_zoo')),
        ]
    for path in candidates:
        if osp.isfile(path):
            _copy_verified(lambda: open(path, 'rb'), dst, expected, path)
            return dst
    raise FileNotFoundError(
        f'No {base} in "{source}" (looked at: {", ".join(candidates)}).')
