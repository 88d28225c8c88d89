# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Build a model from a config + checkpoint and retrieve photos for
sketches.

PyTorch and mmengine are imported where they are used, so a
:class:`SketchRetriever` running an exported ONNX model
(:class:`~sketret.apis.onnx_backend.OnnxEncoder`) never imports them.
"""
import copy
import hashlib
import os
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
from PIL import Image

from .gallery_index import GalleryIndex
from .onnx_backend import OnnxEncoder

ImageInput = Union[str, np.ndarray, Image.Image]


def _torch():
    """Import torch, with sketret's checkpoint allow-list registered
    (checkpoints are loaded with ``weights_only=True``)."""
    import torch

    from sketret.utils.checkpoint_safety import (
        register_checkpoint_safe_globals,
    )
    register_checkpoint_safe_globals()
    return torch


def default_device(device: Optional[str] = None) -> str:
    """``device`` as given, else ``'cuda'`` when available, else ``'cpu'``."""
    if device:
        return device
    return 'cuda' if _torch().cuda.is_available() else 'cpu'


def init_model(config,
               checkpoint: Optional[str] = None,
               device: Optional[str] = None,
               cfg_options: Optional[dict] = None):
    """Build a model from a config and load a checkpoint into it.

    Args:
        config (str | Config): Config file or object.
        checkpoint (str, optional): Checkpoint file; every key must match
            the model (the error lists the ones that do not).
        device (str, optional): ``'cpu'``, ``'cuda'``, ``'cuda:1'``...;
            default CUDA when available, else CPU. The checkpoint is read
            with ``map_location='cpu'`` first, so GPU checkpoints load on
            CPU-only machines.
        cfg_options (dict, optional): Overrides (keys must exist).

    Returns:
        nn.Module: The model in eval mode, with ``model.cfg`` set.

    Examples:
        >>> model = init_model('configs/bda-sketret/'
        ...     'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py',
        ...     'model_zoo/bda-sketret/....pth')  # doctest: +SKIP
    """
    from mmengine.registry import init_default_scope

    from sketret.registry import MODELS
    from sketret.utils.config_utils import load_config
    _torch()
    if isinstance(config, str):
        cfg = load_config(config, cfg_options)
    else:
        cfg = copy.deepcopy(config)
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'sketret'))
    model_cfg = copy.deepcopy(cfg.model)
    # The checkpoint brings the trained weights: skip ImageNet loading.
    if checkpoint is not None:
        _disable_pretrained(model_cfg)
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        load_state_dict_strict(model, checkpoint)
    model.cfg = cfg
    model.to(default_device(device))
    model.eval()
    return model


def _disable_pretrained(cfg) -> None:
    """Set ``pretrained=False`` wherever a sub-config has it (the
    checkpoint replaces those weights anyway)."""
    if isinstance(cfg, dict):
        if cfg.get('pretrained') is True:
            cfg['pretrained'] = False
        for value in cfg.values():
            _disable_pretrained(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            _disable_pretrained(value)


def load_state_dict_strict(model, checkpoint: str) -> dict:
    """Load a (possibly fp16-stored) checkpoint; all keys must match.

    Floating-point tensors are cast to the model's dtype, so checkpoints
    stored in fp16 come back as fp32 models.

    Raises:
        FileNotFoundError: No such checkpoint file.
        RuntimeError: Keys or shapes differ (the message lists them).
    """
    from sketret.engine.runners import state_dict_mismatch
    torch = _torch()
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'Checkpoint "{checkpoint}" does not exist.')
    ckpt = torch.load(checkpoint, map_location='cpu', weights_only=True)
    state = ckpt.get('state_dict', ckpt)
    own = model.state_dict()
    mismatch = state_dict_mismatch(own, state)
    if mismatch:
        raise RuntimeError(f'Checkpoint "{checkpoint}" does not match the '
                           f'model of the config: {mismatch}')
    state = {
        k: v.to(own[k].dtype) if v.is_floating_point() else v
        for k, v in state.items()
    }
    model.load_state_dict(state, strict=True)
    return ckpt.get('meta', {})


def model_fingerprint(model) -> str:
    """A short hash of the model's weights (identifies the model that made
    a gallery index)."""
    torch = _torch()
    sha = hashlib.sha1()
    for name, tensor in model.state_dict().items():
        sha.update(name.encode())
        t = tensor.detach().to('cpu', torch.float32).contiguous()
        sha.update(t.numpy().tobytes())
    return sha.hexdigest()[:16]


def list_gallery_images(gallery: Union[str, Sequence[str]]):
    """Image paths of a gallery and, where the layout tells, class names.

    A folder is searched recursively for images. When it has a ``photo/``
    subfolder (sketret's ``sketch/<class>/``, ``photo/<class>/`` layout),
    only ``photo/`` and ``distractor/`` are used; the class of an image is
    the first folder under ``photo/`` (or under the gallery folder), and
    images in ``distractor/`` or at the top level have none.

    Returns:
        tuple: ``(paths, class_of_each_path_or_None)``.
    """
    from sketret.utils.image_io import is_image_file
    if not isinstance(gallery, str):
        paths = [str(p) for p in gallery]
        if not paths:
            raise ValueError('The gallery list is empty: expected photos.')
        return paths, [None] * len(paths)
    if not osp.isdir(gallery):
        raise FileNotFoundError(f'Gallery folder "{gallery}" does not exist')
    roots = [gallery]
    if osp.isdir(osp.join(gallery, 'photo')):
        roots = [osp.join(gallery, 'photo')]
        if osp.isdir(osp.join(gallery, 'distractor')):
            roots.append(osp.join(gallery, 'distractor'))
    paths, classes = [], []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                if not is_image_file(name):
                    continue
                path = osp.join(dirpath, name)
                rel = osp.relpath(path, root).split(os.sep)
                is_distractor = osp.basename(root) == 'distractor'
                paths.append(path)
                classes.append(rel[0] if len(rel) > 1 and not is_distractor
                               else None)
    if not paths:
        raise ValueError(f'Gallery folder "{gallery}" holds no images '
                         '(expected .jpg/.png/... files, or photo/<class>/ '
                         'subfolders).')
    return paths, classes


class SketchRetriever:
    """Encode sketches and photos with a sketret model and search a gallery.

    Two backends: a PyTorch model (from :func:`init_model` or
    :func:`get_model`), or an exported ONNX model run by onnxruntime
    (:class:`~sketret.apis.onnx_backend.OnnxEncoder`, or
    :meth:`from_onnx`), which never imports PyTorch.

    Args:
        model (nn.Module | OnnxEncoder): A sketret retriever with
            ``extract_feat(inputs, modality)``, or an exported model.
        pipeline (list[dict], optional): Test pipeline of a PyTorch model;
            default: the model config's ``test_dataloader.dataset.pipeline``
            (an exported model carries its preprocessing in its manifest).
        batch_size (int): Images per forward pass when encoding.
        model_name (str, optional): Stored in gallery indexes.

    Examples:
        >>> model = init_model(CONFIG, CKPT)  # doctest: +SKIP
        >>> retriever = SketchRetriever(model)  # doctest: +SKIP
        >>> index = retriever.build_index('photos/')  # doctest: +SKIP
        >>> retriever.search('my_sketch.png', index, topk=5)  # doctest: +SKIP
        [{'path': ..., 'score': 0.83, 'class_name': 'guitar', ...}, ...]
        >>> onnx = SketchRetriever.from_onnx('export/')  # doctest: +SKIP
    """

    def __init__(self,
                 model,
                 pipeline: Optional[List[dict]] = None,
                 batch_size: int = 32,
                 model_name: Optional[str] = None):
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self.batch_size = batch_size
        self.model_name = model_name or getattr(model, 'model_name', None)
        self._fingerprint = None
        if isinstance(model, OnnxEncoder):
            if pipeline is not None:
                raise ValueError(
                    'an exported model carries its preprocessing in '
                    'deploy.json; pipeline= applies to PyTorch models only')
            self.backend = 'onnxruntime'
            self.model = model
            self.pipeline = None
            self._fingerprint = model.fingerprint
            return
        from mmengine.dataset import Compose
        from mmengine.registry import init_default_scope
        self.backend = 'torch'
        self.model = model.eval()
        if pipeline is None:
            cfg = getattr(model, 'cfg', None)
            if cfg is None:
                raise ValueError('model has no .cfg; pass pipeline=...')
            pipeline = cfg.test_dataloader.dataset.pipeline
        loaders = ('LoadSBIRImage', 'LoadStrokes')
        pipeline = [
            copy.deepcopy(t) for t in pipeline
            if str(t.get('type')).replace('sketret.', '') not in loaders
        ]
        # vector sketch files go to the config's own RenderStrokes step
        self._renders_strokes = any(
            str(t.get('type')).replace('sketret.', '') == 'RenderStrokes'
            for t in pipeline)
        init_default_scope('sketret')
        self.pipeline = Compose(pipeline)

    @classmethod
    def from_onnx(cls, export_dir: str, batch_size: int = 32,
                  num_threads: Optional[int] = None) -> 'SketchRetriever':
        """A retriever running a folder written by
        ``tools/deployment/pytorch2onnx.py`` with onnxruntime."""
        return cls(OnnxEncoder(export_dir, num_threads=num_threads),
                   batch_size=batch_size)

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = model_fingerprint(self.model)
        return self._fingerprint

    @property
    def device(self):
        """The PyTorch model's device (``'cpu'`` for onnxruntime)."""
        if self.backend == 'onnxruntime':
            return 'cpu'
        return next(self.model.parameters()).device

    def _load_strokes(self, image: ImageInput, modality: str):
        """The strokes of a vector sketch file when the pipeline renders
        strokes (else None: the file is rendered by :meth:`_load`)."""
        if not self._renders_strokes or not isinstance(
                image, (str, os.PathLike)):
            return None
        from sketret.datasets.image_io import read_sketch_strokes
        return read_sketch_strokes(str(image), modality)

    def _load(self, image: ImageInput, modality: str) -> np.ndarray:
        from sketret.utils.image_io import pil_to_sbir_array, read_sbir_image
        if isinstance(image, (str, os.PathLike)):
            return read_sbir_image(str(image), modality)
        if isinstance(image, Image.Image):
            return pil_to_sbir_array(image, modality)
        arr = np.asarray(image)
        if arr.ndim not in (2, 3) or (arr.ndim == 3
                                      and arr.shape[2] not in (1, 3, 4)):
            raise ValueError('an image array must be (H, W), (H, W, 1), '
                             f'(H, W, 3) or (H, W, 4), got {arr.shape}')
        if arr.dtype != np.uint8:
            if arr.size and float(np.nanmax(arr)) <= 1.0:
                arr = arr * 255.0
            arr = np.clip(np.nan_to_num(arr), 0, 255).astype(np.uint8)
        if arr.ndim == 3 and arr.shape[2] == 1:
            arr = arr[:, :, 0]
        return pil_to_sbir_array(Image.fromarray(arr), modality)

    def encode(self, images: Sequence[ImageInput], modality: str,
               progress: bool = False) -> np.ndarray:
        """Embed images of one modality.

        Args:
            images: Paths, PIL images or arrays (as from a drawing canvas).
            modality (str): ``'sketch'`` or ``'photo'``.
            progress (bool): Show a progress bar.

        Returns:
            np.ndarray: ``(N, D)`` float32, L2-normalised rows.
        """
        if modality not in ('sketch', 'photo'):
            raise ValueError(
                f"modality must be 'sketch' or 'photo', got {modality!r}")
        feats = []
        bar = None
        if progress:
            try:
                from mmengine.utils import ProgressBar
                bar = ProgressBar(len(images))
            except ImportError:  # a serving install has no mmengine
                print(f'encoding {len(images)} images ...', flush=True)
        for start in range(0, len(images), self.batch_size):
            chunk = images[start:start + self.batch_size]
            items = []
            for image in chunk:
                # strokes of a vector sketch for the config's RenderStrokes
                # (PyTorch path); else the decoded image
                strokes = (None if self.backend == 'onnxruntime' else
                           self._load_strokes(image, modality))
                items.append(strokes if strokes is not None else
                             self._load(image, modality))
                if bar is not None:
                    bar.update()
            if self.backend == 'onnxruntime':
                feats.append(self.model.encode_arrays(items, modality))
            else:
                feats.append(
                    self._encode_torch(items, chunk, start, modality))
        return np.concatenate(feats).astype(np.float32)

    def _encode_torch(self, items: List, images, start: int,
                      modality: str) -> np.ndarray:
        """Embed decoded images (arrays) and vector sketches (strokes, for
        the pipeline's RenderStrokes) with the PyTorch model."""
        torch = _torch()
        batch = []
        for i, (item, image) in enumerate(zip(items, images)):
            if isinstance(item, np.ndarray):
                results = dict(img=item, img_shape=item.shape[:2],
                               ori_shape=item.shape[:2])
            else:
                results = dict(strokes=item)
            results.update(
                modality=modality, gt_label=-1, class_name=None,
                img_path=image if isinstance(image, str) else None,
                is_seen=None, sample_idx=start + i)
            batch.append(self.pipeline(results))
        with torch.no_grad():
            data = self.model.data_preprocessor(
                dict(inputs=[b['inputs'] for b in batch],
                     data_samples=[b['data_samples'] for b in batch]), False)
            out = self.model.extract_feat(data['inputs'], modality)
            out = torch.nn.functional.normalize(out.float(), dim=1)
        return out.cpu().numpy()

    def build_index(self,
                    gallery: Union[str, Sequence[str]],
                    index_type: str = 'flat',
                    progress: bool = False,
                    **index_kwargs) -> GalleryIndex:
        """Embed a gallery (folder or list of photo paths) and index it."""
        paths, classes = list_gallery_images(gallery)
        names = sorted({c for c in classes if c is not None}) or None
        labels = None
        if names:
            lookup = {n: i for i, n in enumerate(names)}
            labels = [lookup[c] if c is not None else -1 for c in classes]
        feats = self.encode(paths, 'photo', progress=progress)
        return GalleryIndex(
            feats, paths, labels=labels, class_names=names,
            model_name=self.model_name, model_fingerprint=self.fingerprint,
            index_type=index_type, **index_kwargs)

    def check_index(self, index: GalleryIndex) -> None:
        """Refuse an index that another model built."""
        if (index.model_fingerprint is not None
                and index.model_fingerprint != self.fingerprint):
            raise ValueError(
                'This gallery index was built by another model '
                f'("{index.model_name}", weights {index.model_fingerprint}); '
                f'this model is "{self.model_name}" (weights '
                f'{self.fingerprint}). Rebuild the index with this model.')

    def search(self, sketch: ImageInput, index: GalleryIndex,
               topk: int = 10) -> List[dict]:
        """Rank the gallery for one sketch.

        Returns:
            list[dict]: best first, each with ``path``, ``score``, ``label``
            and ``class_name`` (None when the gallery has no classes).
        """
        self.check_index(index)
        query = self.encode([sketch], 'sketch')
        scores, ids = index.search(query, topk)
        return index.describe(ids[0], scores[0])
