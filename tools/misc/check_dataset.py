# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Check a ZS-SBIR data tree before training or testing on it.

Reports, per subset (train / val / test): counts per class and modality,
missing files, unreadable files (no read permission), corrupt files (cannot
be decoded; the same decoder as training), class names without a folder,
folders that match no class (a warning), and classes without a vector in a
class-vector file (``--class-vectors``). Exits with status 1 when anything
is wrong, 0 otherwise.

Examples::

    python tools/misc/check_dataset.py configs/_base_/datasets/sbir_mini.py
    python tools/misc/check_dataset.py --dataset SBIRMini
    python tools/misc/check_dataset.py --dataset SketchyExtended \\
        --data-root data/Sketchy --split sketchy_ext_25 \\
        --class-vectors word2vec-sketchy --workers 2
"""
import argparse
import copy
import os
import sys
from collections import OrderedDict, defaultdict
from multiprocessing import Pool

from mmengine.config import Config
from mmengine.registry import init_default_scope

SUBSETS = ('train', 'val', 'test')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Check a ZS-SBIR dataset tree (counts, missing, '
        'unreadable and corrupt files, unmatched class names).')
    parser.add_argument(
        'config',
        nargs='?',
        help='a config; its train/val/test dataloader datasets are checked')
    parser.add_argument(
        '--dataset',
        help='registered dataset type, e.g. SBIRMini, SketchPhotoFolder, '
        'SketchyExtended, TUBerlinExtended, QuickDrawExtended')
    parser.add_argument('--data-root', help='root of the data tree')
    parser.add_argument('--split', help='split name (or split.json path)')
    parser.add_argument(
        '--subsets',
        nargs='+',
        choices=SUBSETS,
        default=list(SUBSETS),
        help='subsets to check (default: all)')
    parser.add_argument(
        '--class-vectors',
        help='a class-vector npz (or bundled name such as word2vec-sketchy) '
        'that must cover every class')
    parser.add_argument(
        '--quick',
        action='store_true',
        help='only read image headers instead of decoding every file')
    parser.add_argument(
        '--workers',
        type=int,
        default=0,
        help='processes used to decode files (default: 0, in this process)')
    parser.add_argument(
        '--max-list',
        type=int,
        default=20,
        help='list at most this many bad files per kind (default: 20)')
    args = parser.parse_args(argv)
    if not args.config and not args.dataset:
        parser.error('give a CONFIG or --dataset (and --data-root)')
    return args


def dataset_cfgs(args):
    """``{subset: dataset config}`` to check."""
    if args.config:
        cfg = Config.fromfile(args.config)
        out = OrderedDict()
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            loader = cfg.get(key)
            if not loader or 'dataset' not in loader:
                continue
            ds = copy.deepcopy(loader['dataset']).to_dict() if hasattr(
                loader['dataset'], 'to_dict') else dict(loader['dataset'])
            subset = ds.get('subset', key.split('_')[0])
            if subset in args.subsets:
                ds['pipeline'] = []
                ds['modality'] = 'both'
                out[subset] = ds
        return out
    base = dict(type=args.dataset, modality='both')
    if args.data_root:
        base['data_root'] = args.data_root
    if args.split:
        base['split'] = args.split
    return OrderedDict(
        (s, dict(base, subset=s)) for s in args.subsets)


def check_file(job):
    """``(path, problem or None)``; problem in missing/unreadable/corrupt."""
    path, modality, quick = job
    from PIL import Image

    from sketret.datasets.image_io import (
        CorruptImageError,
        read_sbir_image,
        read_sketch_strokes,
    )
    if not os.path.isfile(path):
        return path, 'missing', 'file not found'
    if not os.access(path, os.R_OK):
        return path, 'unreadable', 'no read permission'
    try:
        if quick and read_sketch_strokes(path, modality) is not None:
            pass  # a vector sketch: parsed, not rendered
        elif quick:
            with Image.open(path) as img:
                img.size  # header only
        else:
            read_sbir_image(path, modality)
    except PermissionError as e:
        return path, 'unreadable', str(e)
    except (CorruptImageError, OSError, SyntaxError, ValueError) as e:
        return path, 'corrupt', str(e)
    return path, None, ''


def main(argv=None):
    args = parse_args(argv)
    init_default_scope('sketret')
    import sketret.datasets  # noqa: F401  (registers the datasets)
    from sketret.datasets.class_semantics import (
        MissingClassVectorsError,
        NpzClassVectors,
    )
    from sketret.registry import DATASETS

    problems = []
    warnings = []
    all_classes = []
    report_bad = defaultdict(list)
    cfgs = dataset_cfgs(args)
    if not cfgs:
        print('No dataset to check.')
        return 1
    for subset, ds_cfg in cfgs.items():
        print(f'== {subset}: {ds_cfg.get("type")} '
              f'(data_root={ds_cfg.get("data_root", "<default>")}, '
              f'split={ds_cfg.get("split", "<default>")})')
        try:
            dataset = DATASETS.build(ds_cfg)
        except ValueError as e:
            msg = str(e)
            if 'no seen classes' in msg and subset != 'test':
                print(f'   skipped: {msg.splitlines()[0]}')
                continue
            problems.append(f'{subset}: {msg}')
            print(f'   ERROR: {msg}')
            continue
        except (FileNotFoundError, KeyError, TypeError) as e:
            first = any(str(e).splitlines()[0] in p for p in problems)
            problems.append(f'{subset}: {e}')
            print('   ERROR: (same as above)' if first else f'   ERROR: {e}')
            continue
        meta = dataset.metainfo
        classes = list(meta['classes'])
        all_classes += [c for c in classes if c not in all_classes]
        counts = defaultdict(lambda: [0, 0])
        jobs = []
        n_distractors = 0
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            if info['gt_label'] < 0:
                n_distractors += 1
            else:
                counts[info['class_name']][
                    0 if info['modality'] == 'sketch' else 1] += 1
            jobs.append((info['img_path'], info['modality'], args.quick))
        seen = set(meta.get('seen_classes', ()))
        width = max([len(c) for c in classes] + [5])
        print(f'   {"class":<{width}}  {"kind":<6}  {"sketches":>8}  '
              f'{"photos":>6}')
        for c in classes:
            sk, ph = counts[c]
            kind = 'seen' if c in seen else 'unseen'
            print(f'   {c:<{width}}  {kind:<6}  {sk:>8}  {ph:>6}')
            if subset == 'test' and (sk == 0 or ph == 0):
                warnings.append(f'{subset}: class {c!r} has {sk} sketches '
                                f'and {ph} photos')
        total_sk = sum(v[0] for v in counts.values())
        total_ph = sum(v[1] for v in counts.values())
        print(f'   total: {total_sk} sketches, {total_ph} photos, '
              f'{n_distractors} distractors, {len(classes)} classes')
        if hasattr(dataset, 'unmatched_folders'):
            extra = dataset.unmatched_folders()
            if extra:
                warnings.append(f'{subset}: folders matching no class of the '
                                f'split (ignored): {extra}')
        if args.workers > 0:
            with Pool(args.workers) as pool:
                results = list(pool.imap(check_file, jobs, chunksize=64))
        else:
            results = [check_file(j) for j in jobs]
        for path, kind, msg in results:
            if kind:
                report_bad[kind].append((subset, path, msg))

    for kind in ('missing', 'unreadable', 'corrupt'):
        bad = report_bad[kind]
        if not bad:
            continue
        problems.append(f'{len(bad)} {kind} file(s)')
        print(f'\n{len(bad)} {kind} file(s):')
        for subset, path, msg in bad[:args.max_list]:
            print(f'   [{subset}] {path}: {msg}')
        if len(bad) > args.max_list:
            print(f'   ... and {len(bad) - args.max_list} more')

    if args.class_vectors:
        try:
            provider = NpzClassVectors(args.class_vectors)
            provider(all_classes)
            print(f'\nclass vectors: all {len(all_classes)} classes found in '
                  f'{provider.file} (dim {provider.dim})')
        except MissingClassVectorsError as e:
            problems.append(f'{len(e.missing)} class(es) without a vector: '
                            f'{e.missing}')
            print(f'\nclass vectors: {e}')
        except (FileNotFoundError, ValueError) as e:
            problems.append(str(e))
            print(f'\nclass vectors: {e}')

    for w in warnings:
        print(f'WARNING: {w}')
    if problems:
        print('\nFAILED:')
        for p in problems:
            print(f' - {p.splitlines()[0]}')
        return 1
    print('\nOK: no problem found.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
