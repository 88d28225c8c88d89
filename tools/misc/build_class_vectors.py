# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Write a class-vector file (npz with ``names`` and ``vectors``) for a
class list.

Examples::

    # MiniLM sentence vectors (offline) for any classes
    python tools/misc/build_class_vectors.py --classes my_classes.txt \\
        --provider minilm --out data/my_minilm.npz
    # a subset of the bundled word2vec vectors
    python tools/misc/build_class_vectors.py \\
        --classes "alarm clock,car (sedan)" --provider word2vec-tuberlin \\
        --out w2v.npz

Exits with status 1 (and lists them) when some classes have no vector.
"""
import argparse
import os.path as osp
import sys


def parse_args(argv=None):
    from sketret.datasets.class_semantics import BUNDLED_VECTOR_FILES
    parser = argparse.ArgumentParser(
        description='Build a class-vector npz for a class list.')
    parser.add_argument(
        '--classes',
        required=True,
        help='a text file with one class name per line, or a comma-separated '
        'list of names')
    parser.add_argument(
        '--provider',
        required=True,
        help='"minilm" or a vector file: one of '
        f'{", ".join(sorted(BUNDLED_VECTOR_FILES))} or a path to an npz')
    parser.add_argument('--out', required=True, help='output .npz file')
    parser.add_argument(
        '--force', action='store_true', help='overwrite --out if it exists')
    parser.add_argument(
        '--template',
        default='{}',
        help='MiniLM only: text embedded for a class, "{}" is replaced by '
        'the name (default: the bare name)')
    parser.add_argument(
        '--cache', help='MiniLM only: cache file of embedded names')
    return parser, parser.parse_args(argv)


def read_classes(spec):
    if osp.isfile(spec):
        with open(spec, encoding='utf-8') as f:
            names = [line.strip() for line in f if line.strip()]
    else:
        names = [n.strip() for n in spec.split(',') if n.strip()]
    if not names:
        raise ValueError(f'no class names in {spec!r}')
    return names


def main(argv=None):
    parser, args = parse_args(argv)
    from sketret.datasets.class_semantics import (
        MiniLMClassVectors,
        MissingClassVectorsError,
        NpzClassVectors,
        save_class_vectors,
    )
    if not args.out.endswith('.npz'):
        parser.error('--out must end with .npz')
    if osp.exists(args.out) and not args.force:
        parser.error(f'{args.out} exists; pass --force to overwrite it')
    try:
        names = read_classes(args.classes)
    except ValueError as e:
        parser.error(str(e))
    if args.provider == 'minilm':
        provider = MiniLMClassVectors(
            cache_file=args.cache, template=args.template)
    else:
        try:
            provider = NpzClassVectors(args.provider)
        except (FileNotFoundError, ValueError) as e:
            parser.error(str(e))
    try:
        vectors = provider(names)
    except MissingClassVectorsError as e:
        print(f'ERROR: {e}', file=sys.stderr)
        return 1
    save_class_vectors(args.out, names, vectors)
    print(f'wrote {args.out}: {len(names)} classes x {vectors.shape[1]} '
          f'({args.provider})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
