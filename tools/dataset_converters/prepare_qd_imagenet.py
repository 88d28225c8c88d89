# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Build the qd-imagenet training tree (read by the ``QDImageNet`` dataset).

From the files shipped in ``data/qd-imagenet`` (default; nothing to
download)::

    python tools/dataset_converters/prepare_qd_imagenet.py
    # -> data/qd-imagenet/prepared/{sketch/<class>/*.svg, photo/<class>/*.jpg,
    #    distractor/*.jpg, split.json}

or from the public sources named in ``data/qd-imagenet/README.md``, for a
user who downloaded them (the class lists and photo assignments still come
from the shipped ``split.json`` and ``index.csv.xz``)::

    python tools/dataset_converters/prepare_qd_imagenet.py \\
        --quickdraw-ndjson DIR_OF_SIMPLIFIED_NDJSON \\
        --imagenet-samples CLONE_OF_imagenet-sample-images --out my_tree

``--quickdraw-ndjson``: one Quick, Draw! *simplified* file per class, named
as Google publishes them (``<class>.ndjson`` or
``full_simplified_<class>.ndjson``, spaces or underscores). The drawings of
the shipped set are picked by their ``key_id`` (read from the shipped SVGs);
without the shipped archive the first 200 recognised drawings are used
(different drawings: numbers are then not comparable). ``--imagenet-samples``:
a clone of EliSchwartz/imagenet-sample-images; photos are resized to a
longer side of at most 256 px (never enlarged) and saved as JPEG quality 85,
as in the shipped set.

The excluded photos (``photo_excluded``) are not copied: they belong in no
gallery. An existing non-empty ``--out`` is refused unless ``--force`` is
given; ``--force`` replaces the files this tool writes and leaves other
files alone.
"""
import argparse
import csv
import io
import json
import lzma
import os
import os.path as osp
import re
import shutil
import sys
import tarfile

DEFAULT_SRC = osp.join('data', 'qd-imagenet')
SVG_ARCHIVE = 'quickdraw_svg.tar.xz'
_MEMBER_RE = re.compile(r'^([^/\\]+)/([^/\\]+\.svg)$')
_KEY_ID_RE = re.compile(r'key_id\s*=\s*(\d+)')
#: Drawings per class of the shipped set.
PER_CLASS = 200


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Build the qd-imagenet training tree.')
    parser.add_argument(
        '--src', default=DEFAULT_SRC,
        help='the shipped qd-imagenet folder (default: data/qd-imagenet)')
    parser.add_argument(
        '--out', default=None,
        help='output tree (default: <src>/prepared)')
    parser.add_argument(
        '--force', action='store_true',
        help='write into a non-empty --out, replacing the files it writes')
    parser.add_argument(
        '--quickdraw-ndjson', metavar='DIR',
        help='build the sketches from Quick, Draw! simplified ndjson files')
    parser.add_argument(
        '--imagenet-samples', metavar='DIR',
        help='build the photos from a clone of imagenet-sample-images')
    parser.add_argument(
        '--sketches-per-class', type=int, default=None, metavar='N',
        help='only the first N drawings of each class (quick trials)')
    return parser.parse_args(argv)


def read_index(src):
    """Rows of ``index.csv.xz`` (or ``index.csv``) as dicts."""
    xz, plain = osp.join(src, 'index.csv.xz'), osp.join(src, 'index.csv')
    if osp.isfile(xz):
        with lzma.open(xz, 'rt', encoding='utf-8', newline='') as f:
            return list(csv.DictReader(f))
    if osp.isfile(plain):
        with open(plain, encoding='utf-8', newline='') as f:
            return list(csv.DictReader(f))
    raise FileNotFoundError(f'"{src}" has neither index.csv.xz nor '
                            'index.csv')


def _check_out(out, force):
    if osp.isdir(out) and os.listdir(out) and not force:
        raise FileExistsError(
            f'"{out}" exists and is not empty; pass --force to write into it '
            '(replacing the files this tool writes) or choose another --out')
    os.makedirs(out, exist_ok=True)


def _write_bytes(path, data):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


def svg_members(archive):
    """Yield ``(class folder, file name, bytes)`` of the SVG archive, in
    archive order; refuses members that are not ``<class>/<name>.svg``
    regular files (no links, no absolute or ``..`` paths)."""
    with tarfile.open(archive, 'r:xz') as tar:
        for member in tar:
            if member.isdir():
                continue
            m = _MEMBER_RE.match(member.name)
            if (not member.isfile() or m is None
                    or '..' in member.name.split('/')):
                raise ValueError(f'unexpected member {member.name!r} in '
                                 f'"{archive}" (expected <class>/<name>.svg '
                                 'files)')
            with tar.extractfile(member) as f:
                yield m.group(1), m.group(2), f.read()


def _limit(name, per_class):
    """Whether ``<class>_NNNN.svg`` is within the first ``per_class``."""
    if per_class is None:
        return True
    num = re.search(r'_(\d+)\.svg$', name)
    return num is not None and int(num.group(1)) < per_class


def sketches_from_archive(src, out, per_class):
    n = 0
    for folder, name, data in svg_members(osp.join(src, SVG_ARCHIVE)):
        if _limit(name, per_class):
            _write_bytes(osp.join(out, 'sketch', folder, name), data)
            n += 1
    return n


def _find_ndjson(ndjson_dir, cls):
    names = {cls, cls.replace('_', ' '), cls.replace(' ', '_')}
    for base in sorted(names):
        for prefix in ('', 'full_simplified_'):
            path = osp.join(ndjson_dir, f'{prefix}{base}.ndjson')
            if osp.isfile(path):
                return path
    raise FileNotFoundError(
        f'no ndjson file for class {cls!r} in "{ndjson_dir}" (looked for '
        f'"{cls}.ndjson" and "full_simplified_{cls}.ndjson", spaces or '
        'underscores)')


def sketches_from_ndjson(src, out, ndjson_dir, classes, per_class):
    """Write ``<class>_NNNN.svg`` from the ndjson files: the shipped
    drawings' key_ids when the archive is there, else the first recognised
    drawings."""
    from sketret.structures.strokes import iter_ndjson, svg_text
    wanted = {}  # class -> [key_id in file-number order]
    archive = osp.join(src, SVG_ARCHIVE)
    if osp.isfile(archive):
        for folder, name, data in svg_members(archive):
            m = _KEY_ID_RE.search(data[:600].decode('utf-8', 'replace'))
            if m:
                wanted.setdefault(folder, []).append((name, m.group(1)))
    limit = per_class or PER_CLASS
    n = 0
    for cls in classes:
        folder = cls
        path = _find_ndjson(ndjson_dir, cls)
        target = {k: name for name, k in wanted.get(folder, [])
                  if _limit(name, per_class)}
        picked = {}
        for strokes in iter_ndjson(path):
            if target:
                name = target.get(str(strokes.meta.get('key_id')))
                if name:
                    picked[name] = strokes
                if len(picked) == len(target):
                    break
            elif strokes.meta.get('recognized', True):
                picked[f'{folder}_{len(picked):04d}.svg'] = strokes
                if len(picked) >= limit:
                    break
        if len(picked) < len(target):
            print(f'warning: "{path}" lacks {len(target) - len(picked)} of '
                  f'the {len(target)} shipped {cls!r} drawings',
                  file=sys.stderr)
        for name, strokes in sorted(picked.items()):
            text = svg_text(strokes, canvas_size=(256, 256))
            _write_bytes(osp.join(out, 'sketch', folder, name),
                         text.encode('utf-8'))
            n += 1
    return n


def photos(src, out, rows, samples_dir):
    """Copy (or build from the ImageNet samples) the class photos and the
    distractors; the excluded photos are left out."""
    from PIL import Image
    n = dict(photo=0, distractor=0)
    for row in rows:
        domain = row['domain']
        if domain not in ('photo', 'photo_distractor'):
            continue
        rel = row['file']
        dest_rel = (rel if domain == 'photo' else
                    osp.join('distractor', osp.basename(rel)))
        dest = osp.join(out, dest_rel)
        os.makedirs(osp.dirname(dest), exist_ok=True)
        if samples_dir is None:
            shutil.copyfile(osp.join(src, rel), dest)
        else:
            orig = osp.join(samples_dir, row['original_path'])
            with Image.open(orig) as img:
                img = img.convert('RGB')
                scale = 256 / max(img.size)
                if scale < 1:
                    img = img.resize((max(1, round(img.width * scale)),
                                      max(1, round(img.height * scale))),
                                     Image.LANCZOS)
                buf = io.BytesIO()
                img.save(buf, 'JPEG', quality=85)
            _write_bytes(dest, buf.getvalue())
        n['photo' if domain == 'photo' else 'distractor'] += 1
    return n


def prepare(src, out=None, force=False, quickdraw_ndjson=None,
            imagenet_samples=None, sketches_per_class=None):
    """Build the tree; returns ``{'sketch': n, 'photo': n,
    'distractor': n}``."""
    if sketches_per_class is not None and sketches_per_class < 1:
        raise ValueError('--sketches-per-class must be >= 1')
    if not osp.isfile(osp.join(src, 'split.json')):
        raise FileNotFoundError(
            f'"{src}" is not the qd-imagenet folder (no split.json); pass '
            '--src data/qd-imagenet from a clone of the repository')
    out = out or osp.join(src, 'prepared')
    with open(osp.join(src, 'split.json'), encoding='utf-8') as f:
        split = json.load(f)
    rows = read_index(src)
    _check_out(out, force)
    if quickdraw_ndjson:
        n_sketch = sketches_from_ndjson(src, out, quickdraw_ndjson,
                                        split['seen'] + split['unseen'],
                                        sketches_per_class)
    else:
        n_sketch = sketches_from_archive(src, out, sketches_per_class)
    counts = dict(sketch=n_sketch, **photos(src, out, rows,
                                            imagenet_samples))
    with open(osp.join(out, 'split.json'), 'w', encoding='utf-8') as f:
        json.dump(dict(seen=split['seen'], unseen=split['unseen']), f,
                  indent=1)
        f.write('\n')
    return counts


def main(argv=None):
    args = parse_args(argv)
    try:
        counts = prepare(args.src, args.out, args.force,
                         args.quickdraw_ndjson, args.imagenet_samples,
                         args.sketches_per_class)
    except (FileNotFoundError, FileExistsError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    out = args.out or osp.join(args.src, 'prepared')
    print(f'qd-imagenet tree in "{out}": {counts["sketch"]} sketches, '
          f'{counts["photo"]} class photos, {counts["distractor"]} '
          'distractors')
    return 0


if __name__ == '__main__':
    sys.exit(main())
