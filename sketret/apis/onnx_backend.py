# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Run sketch and photo encoders exported to ONNX with onnxruntime (no
PyTorch needed).

``tools/deployment/pytorch2onnx.py`` writes a folder with
``sketch_encoder.onnx``, ``photo_encoder.onnx`` and a ``deploy.json``
manifest; :class:`OnnxEncoder` reads it and embeds decoded images. Each
graph takes ``(B, 3, H, W)`` float32 RGB images on the 0-255 scale and
returns ``(B, D)`` L2-normalised embeddings: the model's normalisation
(mean/std) and the final L2 normalisation are inside the graph, so the
only preprocessing here is the test pipeline's fixed-size resize.
"""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

__all__ = [
    'OnnxEncoder', 'MANIFEST_NAME', 'MANIFEST_FORMAT', 'resize_for_model'
]

#: The manifest file of an exported model folder.
MANIFEST_NAME = 'deploy.json'
#: ``format`` field of the manifest (and its version).
MANIFEST_FORMAT = 'sketret-onnx'
MANIFEST_VERSION = 1


def resize_for_model(img: np.ndarray, height: int, width: int) -> np.ndarray:
    """``(H, W, 3)`` uint8 → ``(3, height, width)`` float32, resized as the
    test pipeline's ``mmcv.Resize(keep_ratio=False)`` does (OpenCV,
    bilinear)."""
    import cv2
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'expected an (H, W, 3) image, got {img.shape}')
    if img.shape[:2] != (height, width):
        img = cv2.resize(img, (width, height),
                         interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32)


def read_manifest(export_dir: str) -> dict:
    """The checked ``deploy.json`` of an exported model folder."""
    path = osp.join(export_dir, MANIFEST_NAME)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'"{export_dir}" is not an exported sketret model: {path} is '
            'missing (export one with tools/deployment/pytorch2onnx.py).')
    with open(path, encoding='utf-8') as f:
        manifest = json.load(f)
    if manifest.get('format') != MANIFEST_FORMAT:
        raise ValueError(f'{path}: "format" must be "{MANIFEST_FORMAT}", '
                         f'got {manifest.get("format")!r}')
    if manifest.get('format_version', 0) > MANIFEST_VERSION:
        raise ValueError(
            f'{path}: format_version {manifest["format_version"]} is newer '
            f'than this sketret reads ({MANIFEST_VERSION}); upgrade sketret.')
    for key in ('encoders', 'input', 'embedding_dim'):
        if key not in manifest:
            raise ValueError(f'{path}: missing key "{key}"')
    return manifest


class OnnxEncoder:
    """The two exported encoders of a sketret model, run by onnxruntime.

    Args:
        export_dir (str): A folder written by
            ``tools/deployment/pytorch2onnx.py``.
        num_threads (int, optional): onnxruntime intra-op threads (default:
            onnxruntime's choice, all cores).

    Attributes:
        manifest (dict): ``deploy.json``.
        model_name (str): The exported model's name.
        fingerprint (str): :func:`sketret.apis.model_fingerprint` of the
            PyTorch weights it was exported from, so gallery indexes built
            with either backend are interchangeable.
    """

    def __init__(self, export_dir: str, num_threads: Optional[int] = None):
        try:
            import onnxruntime as ort
        except ImportError as e:
            raise ImportError(
                f'Running an exported model needs onnxruntime ({e}): pip '
                'install -r requirements/deploy.txt') from e
        self.export_dir = export_dir
        self.manifest = read_manifest(export_dir)
        inp = self.manifest['input']
        self.height, self.width = int(inp['height']), int(inp['width'])
        self.input_name = inp.get('name', 'image')
        self.embedding_dim = int(self.manifest['embedding_dim'])
        self.model_name = self.manifest.get('model_name')
        self.fingerprint = self.manifest.get('model_fingerprint')
        options = ort.SessionOptions()
        if num_threads:
            options.intra_op_num_threads = int(num_threads)
        self.sessions: Dict[str, object] = {}
        for modality in ('sketch', 'photo'):
            rel = self.manifest['encoders'].get(modality)
            path = osp.join(export_dir, rel or '')
            if not rel or not osp.isfile(path):
                raise FileNotFoundError(
                    f'The {modality} encoder of "{export_dir}" is missing '
                    f'({path}); export the model again.')
            self.sessions[modality] = ort.InferenceSession(
                path, sess_options=options,
                providers=['CPUExecutionProvider'])

    def preprocess(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """Decoded ``(H, W, 3)`` uint8 images → one ``(B, 3, H, W)``
        float32 batch."""
        return np.stack(
            [resize_for_model(img, self.height, self.width)
             for img in images])

    def encode_arrays(self, images: List[np.ndarray],
                      modality: str) -> np.ndarray:
        """Embed decoded images of one modality: ``(B, D)`` float32,
        L2-normalised rows."""
        if modality not in self.sessions:
            raise ValueError(
                f"modality must be 'sketch' or 'photo', got {modality!r}")
        batch = self.preprocess(images)
        out = self.sessions[modality].run(None, {self.input_name: batch})[0]
        return np.asarray(out, dtype=np.float32)
