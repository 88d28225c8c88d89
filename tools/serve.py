# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Serve the sketch pad: draw in the browser, see the matching photos.

Examples::

    # the bundled demo model on the bundled photos
    python tools/serve.py
    # any model and any folder of photos (or a saved gallery index)
    python tools/serve.py CONFIG CHECKPOINT --gallery photos/
    python tools/serve.py --model ZOO_NAME --gallery my_index/
    # build a big gallery's index once, then start quickly
    python tools/serve.py CONFIG CHECKPOINT --gallery photos/ \
        --save-index photos_index/
    # an exported model (tools/deployment/pytorch2onnx.py) with
    # onnxruntime: PyTorch is never imported (requirements/deploy.txt)
    python tools/serve.py --onnx exported/ --gallery photos_index/

Then open http://127.0.0.1:8000/ in a browser. The server binds to
127.0.0.1 (this machine only) unless ``--host`` says otherwise.
"""
import argparse
import ipaddress
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: The demo model (relative to the repository root).
DEMO_CONFIG = ('configs/bda-sketret/'
               'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py')
DEMO_CHECKPOINT = ('model_zoo/bda-sketret/'
                   'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.pth')


def default_demo_model(root: str = REPO_ROOT):
    """``(config, checkpoint)`` of the bundled demo model.

    Raises:
        SystemExit: The checkpoint (or config) is missing; the message says
            how to train it.
    """
    config = osp.join(root, DEMO_CONFIG)
    checkpoint = osp.join(root, DEMO_CHECKPOINT)
    if not osp.isfile(config):
        raise SystemExit(
            f'The demo config {DEMO_CONFIG} is missing: run tools/serve.py '
            'from a clone of sketret, or pass CONFIG CHECKPOINT.')
    if not osp.isfile(checkpoint):
        name = osp.splitext(osp.basename(DEMO_CONFIG))[0]
        raise SystemExit(
            f'The demo checkpoint {DEMO_CHECKPOINT} is missing, so there is '
            'no trained model to serve by default.\n'
            'Train the demo model (a few minutes on a CPU):\n'
            f'    python tools/train.py {DEMO_CONFIG}\n'
            'and serve the checkpoint it writes:\n'
            f'    python tools/serve.py {DEMO_CONFIG} '
            f'work_dirs/{name}/best_<metric>_epoch_<n>.pth\n'
            'or serve any model: tools/serve.py CONFIG CHECKPOINT '
            '--gallery DIR (or --model ZOO_NAME).')
    return config, checkpoint


def default_gallery() -> str:
    """The bundled real photos (``sketret/assets/sbir-mini``)."""
    from sketret.utils.assets import SBIR_MINI_ROOT
    return SBIR_MINI_ROOT


def _dict_action():
    """mmengine's ``DictAction`` when mmengine is installed; a serving
    install (requirements/deploy.txt) has none and no configs either."""
    try:
        from mmengine.config import DictAction
        return DictAction
    except ImportError:
        return 'store'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Serve the sketret sketch pad (a drawing page and a JSON '
        'search API) for a model and a photo gallery.',
        epilog='With no CONFIG CHECKPOINT and no --model, the bundled demo '
        'model is served on the bundled photos.')
    parser.add_argument('config', nargs='?', help='model config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file')
    parser.add_argument(
        '--model', metavar='ZOO_NAME',
        help='a model-zoo name instead of CONFIG CHECKPOINT')
    parser.add_argument(
        '--onnx', metavar='EXPORT_DIR',
        help='a model exported by tools/deployment/pytorch2onnx.py, run '
        'with onnxruntime (no PyTorch) instead of CONFIG CHECKPOINT')
    parser.add_argument(
        '--gallery', metavar='DIR_OR_INDEX',
        help='a folder of photos (searched recursively; sketret\'s photo/'
        '<class>/ layout gives class names) or a gallery index saved by '
        'GalleryIndex.save / --save-index; default: the bundled sbir-mini '
        'photos')
    parser.add_argument(
        '--host', default='127.0.0.1',
        help='address to bind; default 127.0.0.1 (this machine only). '
        'Anything else lets others search and see the gallery.')
    parser.add_argument('--port', type=int, default=8000)
    parser.add_argument('--topk', type=int, default=12,
                        help='photos per search (default 12)')
    parser.add_argument(
        '--device', default=None,
        help='"cpu", "cuda", "cuda:1"...; default CUDA when available')
    parser.add_argument(
        '--threads', type=int, default=None,
        help='threads of one forward pass (torch.set_num_threads, or '
        'onnxruntime\'s intra-op threads); default: the library\'s own')
    parser.add_argument(
        '--max-upload-mb', type=float, default=4.0,
        help='largest request body in MiB (413 above); default 4')
    parser.add_argument(
        '--index-type', default='flat',
        choices=['flat', 'ivf_flat', 'ivf_pq'],
        help='index built for a photo folder (ivf_* for very large ones)')
    parser.add_argument(
        '--save-index', metavar='DIR',
        help='save the index built from --gallery photos to DIR (pass DIR '
        'as --gallery next time to start without re-encoding)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=_dict_action(),
        help='override settings of the config (keys must exist), e.g. '
        'test_dataloader.dataset.pipeline.1.scale="(160,160)"')
    args = parser.parse_args(argv)
    if sum(map(bool, (args.model, args.config or args.checkpoint,
                      args.onnx))) > 1:
        parser.error('give one of CONFIG CHECKPOINT, --model or --onnx')
    if args.onnx and args.cfg_options:
        parser.error('--cfg-options applies to CONFIG CHECKPOINT; an '
                     'exported model has its settings in deploy.json')
    if args.config and not args.checkpoint:
        parser.error('CONFIG needs a CHECKPOINT too (or use --model)')
    if args.model and args.cfg_options:
        parser.error('--cfg-options needs CONFIG CHECKPOINT')
    if not 1 <= args.port <= 65535:
        parser.error(f'--port must be within 1..65535, got {args.port}')
    if args.threads is not None and args.threads < 1:
        parser.error(f'--threads must be >= 1, got {args.threads}')
    if args.topk < 1:
        parser.error(f'--topk must be >= 1, got {args.topk}')
    if args.max_upload_mb <= 0:
        parser.error('--max-upload-mb must be > 0')
    return args


def _zoo_get_model():
    try:
        from sketret.apis import get_model
        return get_model
    except ImportError:
        pass
    try:
        from sketret.apis.model_zoo import get_model
        return get_model
    except ImportError as e:
        raise SystemExit(
            '--model needs the model zoo (sketret.apis.get_model), which '
            f'this sketret installation does not have ({e}); pass CONFIG '
            'CHECKPOINT instead.')


def build_retriever(args):
    """The :class:`SketchRetriever` for the command line's model."""
    from sketret.apis import SketchRetriever
    if args.onnx:
        return SketchRetriever.from_onnx(args.onnx, num_threads=args.threads)
    import torch

    from sketret.apis import init_model
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.model:
        get_model = _zoo_get_model()
        model = get_model(args.model, device=args.device)
        name = getattr(model, 'model_name', None) or args.model
    else:
        config, checkpoint = ((args.config, args.checkpoint) if args.config
                              else default_demo_model())
        model = init_model(config, checkpoint, device=args.device,
                           cfg_options=args.cfg_options)
        name = osp.splitext(osp.basename(config))[0]
    return SketchRetriever(model, model_name=name)


def load_gallery(retriever, gallery: str, index_type: str = 'flat',
                 save_index=None):
    """``(GalleryIndex, display name)`` for a saved index or a photo folder.
    """
    from sketret.apis import GalleryIndex
    name = osp.basename(osp.normpath(gallery))
    if osp.isfile(osp.join(gallery, 'meta.json')):
        if save_index:
            raise ValueError('--save-index applies to a folder of photos; '
                             f'"{gallery}" is already an index')
        index = GalleryIndex.load(gallery)
        retriever.check_index(index)
        return index, name
    if not osp.isdir(gallery):
        raise FileNotFoundError(
            f'Gallery "{gallery}" does not exist (expected a folder of '
            'photos or a saved gallery index).')
    if save_index and osp.exists(save_index):
        raise FileExistsError(f'"{save_index}" already exists; remove it or '
                              'pass it as --gallery to use it.')
    print(f'Encoding the photos of {gallery} ...', flush=True)
    index = retriever.build_index(gallery, index_type=index_type,
                                  progress=True)
    print()
    if save_index:
        index.save(save_index)
        print(f'Saved the gallery index to {save_index}', flush=True)
    return index, name


def is_loopback(host: str) -> bool:
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host.strip('[]')).is_loopback
    except ValueError:
        return False


def main(argv=None):
    args = parse_args(argv)
    try:
        import uvicorn

        from sketret.sketchpad import create_app
    except ImportError as e:
        raise SystemExit(
            f'The sketch pad needs the web packages ({e}): pip install -r '
            'requirements/web.txt')
    try:
        retriever = build_retriever(args)
        index, gallery_name = load_gallery(
            retriever, args.gallery or default_gallery(), args.index_type,
            args.save_index)
        allowed_hosts = None
        if is_loopback(args.host):
            allowed_hosts = {'127.0.0.1', 'localhost', '[::1]', args.host}
        app = create_app(retriever, index, topk=args.topk,
                         max_topk=max(100, args.topk),
                         max_upload_bytes=int(args.max_upload_mb * 2**20),
                         gallery_name=gallery_name,
                         allowed_hosts=allowed_hosts)
    except (FileNotFoundError, FileExistsError, ValueError, KeyError,
            RuntimeError, ImportError) as e:
        raise SystemExit(f'serve.py: {e}')
    shown = f'[{args.host}]' if ':' in args.host else args.host
    if allowed_hosts is None:
        print(f'WARNING: serving on {args.host}, not only this machine: '
              'anyone who can reach it can search the gallery and see its '
              'photos (there is no login).', file=sys.stderr)
    print(f'Sketch pad: model {retriever.model_name}, gallery '
          f'{gallery_name} ({len(index)} photos).\n'
          f'Open http://{shown}:{args.port}/ in a browser '
          '(Ctrl+C stops the server).', flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level='info',
                ws='none', lifespan='off', server_header=False)


if __name__ == '__main__':
    main()
