# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Export a sketret model's sketch and photo encoders to ONNX and check
onnxruntime against PyTorch on real bundled images.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out-dir DIR
    python tools/deployment/pytorch2onnx.py --model ZOO_NAME --out-dir DIR

DIR gets ``sketch_encoder.onnx``, ``photo_encoder.onnx`` (dynamic batch)
and ``deploy.json`` (input size, normalisation, preprocessing, embedding
size, the weights' fingerprint). Serve it without PyTorch::

    python tools/serve.py --onnx DIR --gallery photos/
"""
import argparse
import datetime
import json
import os
import os.path as osp
import sys

from mmengine.config import DictAction

#: Largest max abs difference between onnxruntime and PyTorch embeddings
#: that the check accepts (the embeddings are unit vectors).
DEFAULT_TOLERANCE = 1e-4
#: Test-pipeline steps the exported preprocessing reproduces.
_LOAD = ('LoadSBIRImage', 'sketret.LoadSBIRImage')
_RESIZE = ('Resize', 'mmcv.Resize')
_PACK = ('PackSBIRInputs', 'sketret.PackSBIRInputs')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Export the sketch and photo encoders to ONNX.')
    parser.add_argument('config', nargs='?', help='model config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file')
    parser.add_argument('--model', metavar='ZOO_NAME',
                        help='a model-zoo name instead of CONFIG CHECKPOINT')
    parser.add_argument('--out-dir', required=True,
                        help='new folder for the exported model')
    parser.add_argument('--opset', type=int, default=18,
                        help='ONNX opset (default 18)')
    parser.add_argument(
        '--check-images', type=int, default=8,
        help='bundled sketches and photos to compare onnxruntime with '
        'PyTorch on (default 8 of each; 0 skips the check)')
    parser.add_argument('--tolerance', type=float, default=DEFAULT_TOLERANCE,
                        help='largest accepted max abs difference')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config (keys must exist), e.g. '
        'test_dataloader.dataset.pipeline.1.scale="(224,224)"')
    args = parser.parse_args(argv)
    if args.model and (args.config or args.checkpoint):
        parser.error('give either CONFIG CHECKPOINT or --model, not both')
    if not args.model and not (args.config and args.checkpoint):
        parser.error('give CONFIG CHECKPOINT, or --model ZOO_NAME')
    if args.model and args.cfg_options:
        parser.error('--cfg-options needs CONFIG CHECKPOINT')
    return args


def preprocessing_of(cfg) -> dict:
    """The resize and normalisation that the exported model needs, read
    from the config.

    Raises:
        ValueError: The test pipeline has a step the ONNX path does not
            reproduce (the message names it).
    """
    pipeline = cfg.test_dataloader.dataset.pipeline
    steps = [t.get('type') for t in pipeline]
    size = None
    for t in pipeline:
        kind = t.get('type')
        if kind in _LOAD or kind in _PACK:
            continue
        if kind in _RESIZE and t.get('keep_ratio', False) is False and \
                t.get('interpolation', 'bilinear') == 'bilinear' and \
                t.get('backend', 'cv2') == 'cv2' and 'scale' in t:
            scale = t['scale']
            width, height = ((scale, scale) if isinstance(scale, int) else
                             (int(scale[0]), int(scale[1])))
            size = (height, width)
            continue
        raise ValueError(
            f'test pipeline step {t} is not reproduced by the ONNX '
            'preprocessing (supported: LoadSBIRImage, Resize with '
            'keep_ratio=False, bilinear, cv2; PackSBIRInputs); got '
            f'{steps}')
    if size is None:
        raise ValueError('the test pipeline has no fixed-size Resize '
                         f'(keep_ratio=False): {steps}')
    pre = cfg.model.get('data_preprocessor', {})
    return dict(height=size[0], width=size[1], mean=pre.get('mean'),
                std=pre.get('std'), to_rgb=bool(pre.get('to_rgb', False)))


def build_encoder(model, modality: str):
    """``(B, 3, H, W)`` 0-255 RGB float images → ``(B, D)`` unit
    embeddings: the data preprocessor's normalisation, ``extract_feat``
    and the L2 normalisation of :class:`SketchRetriever`, in one module."""
    import torch

    class Encoder(torch.nn.Module):

        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, image):
            pre = self.model.data_preprocessor
            x = image
            if getattr(pre, 'to_rgb', False):
                x = x.flip(1)
            if getattr(pre, '_enable_normalize', False):
                x = (x - pre.mean) / pre.std
            out = self.model.extract_feat(x, modality)
            return torch.nn.functional.normalize(out.float(), dim=1)

    return Encoder().eval()


def export_encoder(encoder, path: str, height: int, width: int,
                   opset: int) -> None:
    """``torch.onnx.export`` with the dynamo exporter and a dynamic batch
    axis, written as one file (weights inside)."""
    import torch
    example = torch.rand(2, 3, height, width) * 255
    batch = torch.export.Dim('batch', min=1, max=4096)
    program = torch.onnx.export(
        encoder, (example, ), None, input_names=['image'],
        output_names=['embedding'], dynamic_shapes=({0: batch}, ),
        opset_version=opset, dynamo=True, external_data=False,
        verbose=False)
    program.save(path, external_data=False)


def check_parity(retriever, onnx_retriever, n: int) -> dict:
    """Max abs difference of onnxruntime and PyTorch embeddings of ``n``
    bundled sketches and ``n`` photos (through each backend's own
    preprocessing from the files)."""
    import numpy as np

    from sketret.apis import list_gallery_images
    from sketret.utils.assets import SBIR_MINI_ROOT
    out = {}
    for modality, folder in (('sketch', 'sketch'), ('photo', 'photo')):
        paths = list_gallery_images(osp.join(SBIR_MINI_ROOT, folder))[0]
        step = max(1, len(paths) // n)
        paths = paths[::step][:n]
        a = retriever.encode(paths, modality)
        b = onnx_retriever.encode(paths, modality)
        out[modality] = dict(images=len(paths),
                             max_abs_diff=float(np.abs(a - b).max()))
    return out


def main(argv=None):
    args = parse_args(argv)
    if osp.exists(args.out_dir) and os.listdir(args.out_dir):
        raise SystemExit(f'pytorch2onnx.py: "{args.out_dir}" exists and is '
                         'not empty; choose a new --out-dir.')
    import torch

    from sketret.apis import (
        SketchRetriever,
        get_model,
        init_model,
        model_fingerprint,
    )
    from sketret.apis.onnx_backend import (
        MANIFEST_FORMAT,
        MANIFEST_NAME,
        MANIFEST_VERSION,
    )
    from sketret.version import __version__
    if args.model:
        model = get_model(args.model, device='cpu')
        name, source = args.model, args.model
    else:
        model = init_model(args.config, args.checkpoint, device='cpu',
                           cfg_options=args.cfg_options)
        name = osp.splitext(osp.basename(args.config))[0]
        source = osp.basename(args.checkpoint)
    try:
        pre = preprocessing_of(model.cfg)
    except ValueError as e:
        raise SystemExit(f'pytorch2onnx.py: {e}')
    os.makedirs(args.out_dir, exist_ok=True)
    files = {}
    dim = None
    for modality in ('sketch', 'photo'):
        encoder = build_encoder(model, modality)
        with torch.no_grad():
            dim = int(encoder(torch.zeros(1, 3, pre['height'],
                                          pre['width'])).shape[1])
        files[modality] = f'{modality}_encoder.onnx'
        print(f'exporting the {modality} encoder ...', flush=True)
        export_encoder(encoder, osp.join(args.out_dir, files[modality]),
                       pre['height'], pre['width'], args.opset)
    manifest = dict(
        format=MANIFEST_FORMAT,
        format_version=MANIFEST_VERSION,
        model_name=name,
        source=source,
        sketret_version=__version__,
        exported=datetime.datetime.now(datetime.timezone.utc).strftime(
            '%Y-%m-%dT%H:%M:%SZ'),
        torch_version=torch.__version__,
        opset=args.opset,
        model_fingerprint=model_fingerprint(model),
        encoders=files,
        input=dict(name='image', layout='NCHW', dtype='float32',
                   height=pre['height'], width=pre['width'],
                   channel_order='RGB', value_range=[0, 255],
                   dynamic_axes=['batch']),
        preprocessing=[
            'decode with sketret.utils.image_io: sketches grey (transparency'
            ' over white) replicated to 3 channels, photos RGB (EXIF '
            'orientation applied)',
            f'resize to {pre["width"]}x{pre["height"]} (width x height), '
            'aspect ratio not kept, OpenCV bilinear (cv2.INTER_LINEAR)',
            'HWC uint8 -> CHW float32, 0-255 (not scaled)',
        ],
        normalisation=dict(mean=pre['mean'], std=pre['std'],
                           to_rgb=pre['to_rgb'], in_graph=True),
        output=dict(name='embedding', l2_normalised=True),
        embedding_dim=dim,
        class_names=getattr(model, 'train_class_names', None),
    )
    with open(osp.join(args.out_dir, MANIFEST_NAME), 'w',
              encoding='utf-8') as f:
        json.dump(manifest, f, indent=2)
    print(f'wrote {", ".join(files.values())} and {MANIFEST_NAME} to '
          f'{args.out_dir}')
    if args.check_images <= 0:
        return 0
    parity = check_parity(SketchRetriever(model),
                          SketchRetriever.from_onnx(args.out_dir),
                          args.check_images)
    ok = True
    for modality, res in parity.items():
        good = res['max_abs_diff'] <= args.tolerance
        ok &= good
        print(f'{modality}: onnxruntime vs PyTorch on {res["images"]} '
              f'bundled images, max abs difference '
              f'{res["max_abs_diff"]:.2e} ({"<=" if good else ">"} '
              f'{args.tolerance:g}: {"OK" if good else "FAILED"})')
    if not ok:
        print('pytorch2onnx.py: the exported model differs from PyTorch '
              'beyond the tolerance', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
