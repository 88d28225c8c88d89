# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Rank the photos of a gallery for one sketch; print and draw the result.

Examples::

    python tools/retrieve.py CONFIG CHECKPOINT --sketch my_sketch.png \
        --gallery path/to/photos --topk 10 --out grid.png
    # save the gallery index once, reuse it later
    python tools/retrieve.py CONFIG CHECKPOINT --sketch s.png \
        --gallery photos/ --save-index photos.index
    python tools/retrieve.py CONFIG CHECKPOINT --sketch s.png \
        --gallery photos.index
"""
import argparse
import os
import os.path as osp
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', help='model config')
    parser.add_argument('checkpoint', nargs='?', help='model checkpoint')
    parser.add_argument('--model', help='a model-zoo name instead of '
                        'CONFIG CHECKPOINT (see sketret.apis.list_models)')
    parser.add_argument('--sketch', required=True, help='query sketch image')
    parser.add_argument('--gallery', required=True,
                        help='photo folder, or an index saved by '
                        '--save-index')
    parser.add_argument('--topk', type=int, default=10)
    parser.add_argument('--out', help='save a picture of the ranking here')
    parser.add_argument('--save-index', help='save the gallery index here')
    parser.add_argument('--index-type', default='flat',
                        choices=['flat', 'ivf_flat', 'ivf_pq'])
    parser.add_argument('--device', default=None, help='cpu, cuda, ...')
    return parser.parse_args(argv)


def build_retriever(args):
    from sketret.apis import SketchRetriever, get_model, init_model
    if args.model:
        model = get_model(args.model, device=args.device)
        return SketchRetriever(model, model_name=args.model)
    if not (args.config and args.checkpoint):
        raise ValueError('give CONFIG CHECKPOINT, or --model NAME')
    model = init_model(args.config, args.checkpoint, device=args.device)
    name = osp.splitext(osp.basename(args.checkpoint))[0]
    return SketchRetriever(model, model_name=name)


def main(argv=None):
    args = parse_args(argv)
    from sketret.apis import GalleryIndex
    try:
        retriever = build_retriever(args)
        if osp.isfile(osp.join(args.gallery, 'meta.json')):
            index = GalleryIndex.load(args.gallery)
        else:
            index = retriever.build_index(args.gallery,
                                          index_type=args.index_type,
                                          progress=True)
            if args.save_index:
                index.save(args.save_index)
                print(f'\nindex saved to {args.save_index}')
        hits = retriever.search(args.sketch, index, topk=args.topk)
    except (FileNotFoundError, FileExistsError, ValueError,
            RuntimeError) as err:
        sys.exit(f'tools/retrieve.py: error: {err}')

    query_class = osp.basename(osp.dirname(osp.abspath(args.sketch)))
    known = bool(index.class_names) and query_class in index.class_names
    print(f'\nTop {len(hits)} of {len(index)} photos for {args.sketch}:')
    for rank, hit in enumerate(hits, 1):
        print(f'{rank:3d}  {hit["score"]:.4f}  '
              f'{hit["class_name"] or "-":15s} {hit["path"]}')
    if args.out:
        from sketret.visualization import draw_retrieval_grid
        correct = [h['class_name'] == query_class
                   for h in hits] if known else None
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        draw_retrieval_grid(
            args.sketch, [h['path'] for h in hits],
            scores=[h['score'] for h in hits], correct=correct,
            labels=[h['class_name'] for h in hits],
            query_title='query' + (f': {query_class}' if known else ''),
            out_file=args.out)
        print(f'picture saved to {args.out}')


if __name__ == '__main__':
    main()
