# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Installed size of each requirement set (what a fresh environment would
hold), from the packages installed in this environment.

    python benchmarks/install_size.py requirements/deploy.txt \
        requirements/runtime.txt+requirements/web.txt

For each set, ``pip install --dry-run --ignore-installed --report`` resolves
every package (with dependencies) a fresh environment would get; the size
of each is the sum of the files its ``RECORD`` lists in this environment
(so every package of a set must be installed here; an unpinned one at
another version is counted with a note). pip, setuptools and wheel are not
counted.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
from importlib import metadata

_NOT_COUNTED = {'pip', 'setuptools', 'wheel'}


def resolve(req_files):
    """``{name: version}`` that pip would install into an empty env."""
    with tempfile.TemporaryDirectory() as tmp:
        report = osp.join(tmp, 'report.json')
        cmd = [sys.executable, '-m', 'pip', 'install', '--dry-run', '-q',
               '--ignore-installed', '--disable-pip-version-check',
               '--report', report]
        for f in req_files:
            cmd += ['-r', f]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(report) as f:
            items = json.load(f)['install']
    return {
        i['metadata']['name'].lower().replace('_', '-'):
        i['metadata']['version']
        for i in items
    }


def installed_size(name: str, version: str) -> int:
    """Bytes of the files of ``name`` installed here (a different version
    than the resolved one is counted, with a note: an unpinned
    dependency)."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        raise SystemExit(f'{name} {version} is not installed here')
    if dist.version != version:
        print(f'  note: {name} {version} resolved, {dist.version} counted '
              '(installed here)')
    total = 0
    for f in dist.files or []:
        path = f.locate()
        if osp.isfile(path):
            total += os.path.getsize(path)
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'sets', nargs='+',
        help='requirement files; join files of one set with "+"')
    parser.add_argument('--top', type=int, default=5,
                        help='largest packages to list per set')
    args = parser.parse_args()
    for spec in args.sets:
        files = spec.split('+')
        sizes = {
            name: installed_size(name, version)
            for name, version in resolve(files).items()
            if name not in _NOT_COUNTED
        }
        total = sum(sizes.values())
        top = sorted(sizes.items(), key=lambda kv: -kv[1])[:args.top]
        print(f'{spec}: {len(sizes)} packages, {total / 2**20:,.0f} MiB '
              'installed; largest: ' +
              ', '.join(f'{n} {s / 2**20:,.0f} MiB' for n, s in top))


if __name__ == '__main__':
    main()
