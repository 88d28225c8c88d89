# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Copy a table made by ``compare_methods.py --out-md`` into a README.

The README keeps a generated block between two markers::

    <!-- qd-imagenet table: how it was made -->
    ...
    <!-- end qd-imagenet table -->

Everything between them is replaced by the gallery tables of ``--table``
(the per-class section is left in the results folder) with their headings
one level lower, so that they sit under the README's own section.

    python benchmarks/fill_readme_table.py \
        benchmarks/results/qd-imagenet/table.md README.md \
        --marker 'qd-imagenet table'
"""
import argparse
import re
import sys


def gallery_tables(text: str) -> str:
    """The gallery sections of a compare_methods table, headings demoted."""
    keep = text.split('#### Per-class')[0].rstrip() + '\n'
    return re.sub(r'^#### ', '##### ', keep, flags=re.M)


def fill(readme: str, block: str, marker: str) -> str:
    """Replace the text between ``<!-- marker... -->`` and
    ``<!-- end marker -->`` (both kept) by ``block``."""
    start = re.search(r'<!-- ' + re.escape(marker) + r'\b[^\n]*-->\n',
                      readme)
    end_tag = f'<!-- end {marker} -->'
    if start is None or end_tag not in readme[start.end():]:
        raise ValueError(f'no "<!-- {marker}: ... -->" ... "{end_tag}" '
                         'block in the file')
    end = readme.index(end_tag, start.end())
    return readme[:start.end()] + block + readme[end:]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('table', help='Markdown from compare_methods.py')
    parser.add_argument('readme', help='file with the marker block')
    parser.add_argument('--marker', required=True,
                        help='marker name, e.g. "qd-imagenet table"')
    args = parser.parse_args(argv)
    with open(args.table, encoding='utf-8') as f:
        block = gallery_tables(f.read())
    with open(args.readme, encoding='utf-8') as f:
        text = f.read()
    try:
        text = fill(text, block, args.marker)
    except ValueError as err:
        print(f'{args.readme}: {err}', file=sys.stderr)
        return 1
    with open(args.readme, 'w', encoding='utf-8') as f:
        f.write(text)
    print(f'{args.readme}: "{args.marker}" block filled from {args.table}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
