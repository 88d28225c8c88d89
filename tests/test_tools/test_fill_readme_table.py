# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""benchmarks/fill_readme_table.py: generated README blocks."""
import importlib.util
import os.path as osp

import pytest
from sketret_testing import REPO_ROOT

TABLE = """#### Gallery `unseen` (19 photos), preset `textbook`

| method | mAP@all |
|---|---|
| A | 0.5 |

#### Per-class mAP@all (gallery `unseen`, seed-averaged)

| class | A |
"""


def _module():
    path = osp.join(REPO_ROOT, 'benchmarks', 'fill_readme_table.py')
    spec = importlib.util.spec_from_file_location('fill_readme_table', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_block_replaced_between_markers_only(tmp_path):
    table = tmp_path / 'table.md'
    table.write_text(TABLE)
    readme = tmp_path / 'README.md'
    readme.write_text('# Title\n\n<!-- qd table: made by X -->\nold rows\n'
                      '<!-- end qd table -->\n\nHand-written text.\n')
    assert _module().main([str(table), str(readme), '--marker',
                           'qd table']) == 0
    assert readme.read_text() == (
        '# Title\n\n<!-- qd table: made by X -->\n'
        '##### Gallery `unseen` (19 photos), preset `textbook`\n\n'
        '| method | mAP@all |\n|---|---|\n| A | 0.5 |\n'
        '<!-- end qd table -->\n\nHand-written text.\n')


def test_missing_markers_named(tmp_path, capsys):
    table = tmp_path / 'table.md'
    table.write_text(TABLE)
    readme = tmp_path / 'README.md'
    readme.write_text('no block here\n')
    assert _module().main([str(table), str(readme), '--marker',
                           'qd table']) == 1
    assert 'end qd table' in capsys.readouterr().err
    assert readme.read_text() == 'no block here\n'


@pytest.mark.parametrize('readme,table,marker', [
    ('README.md', 'table.md', 'qd-imagenet table'),
    ('configs/bda-sketret/README.md', 'parts.md', 'qd-imagenet parts'),
    ('configs/bda-sketret/README.md', 'aligned.md', 'qd-imagenet aligned'),
])
def test_readme_blocks_are_current(readme, table, marker):
    """The READMEs' qd-imagenet tables are the committed results' tables."""
    fill = _module()
    results = osp.join(REPO_ROOT, 'benchmarks', 'results', 'qd-imagenet')
    with open(osp.join(results, table), encoding='utf-8') as f:
        block = fill.gallery_tables(f.read())
    with open(osp.join(REPO_ROOT, readme), encoding='utf-8') as f:
        text = f.read()
    assert fill.fill(text, block, marker) == text


def test_marker_is_a_whole_word():
    # 'qd table' must not match the block of 'qd tables'
    with pytest.raises(ValueError, match='block'):
        _module().fill('<!-- qd tables: x -->\n<!-- end qd table -->\n',
                       'B', 'qd table')
