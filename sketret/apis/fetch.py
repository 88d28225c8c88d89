# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""``sketret-fetch``: put model-zoo checkpoints into the cache
(``$SKETRET_HOME/checkpoints``, default ``~/.cache/sketret/checkpoints``),
checking the sha256 that the metafile records.

    sketret-fetch bda-sketret_efficientnet-lite0_1xb32_sbir-mini \
        --from path/to/sketret/model_zoo
    python -m sketret.apis.fetch --all --from https://example.org/ckpts/
"""
import argparse
import sys


def main(argv=None) -> int:
    from sketret.apis.model_zoo import (
        checkpoint_cache_dir,
        fetch_checkpoint,
        list_models,
    )
    parser = argparse.ArgumentParser(
        prog='sketret-fetch',
        description='Copy or download model-zoo checkpoints into '
        f'{checkpoint_cache_dir()} (set SKETRET_HOME to change it) and '
        'check their sha256.')
    parser.add_argument('models', nargs='*', metavar='MODEL',
                        help='zoo names (see sketret.apis.list_models)')
    parser.add_argument('--all', action='store_true',
                        help='every zoo model that has weights')
    parser.add_argument(
        '--from', dest='source', required=True, metavar='DIR_OR_URL',
        help='a folder holding the .pth files (e.g. a clone\'s model_zoo/ '
        'or its root), or a URL of a file or a folder')
    parser.add_argument('--force', action='store_true',
                        help='replace a cached file whose sha256 is wrong')
    args = parser.parse_args(argv)
    names = list(args.models)
    if args.all:
        names += [n for n in list_models(with_weights=True)
                  if n not in names]
    if not names:
        parser.error('name at least one MODEL, or pass --all')
    for name in names:
        try:
            path = fetch_checkpoint(name, args.source, force=args.force)
        except (ValueError, FileNotFoundError, OSError) as e:
            print(f'sketret-fetch: {name}: {e}', file=sys.stderr)
            return 1
        print(f'{name}: {path} (sha256 checked)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
