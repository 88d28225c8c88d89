# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""tools/test.py --data-root/--show-dir and tools/retrieve.py with the
shipped demo checkpoint on a small folder of bundled images."""
import json
import os
import os.path as osp
import shutil

import pytest
from sketret_testing import REPO_ROOT

CFG = osp.join(REPO_ROOT, 'configs', 'bda-sketret',
               'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py')
CKPT = osp.join(REPO_ROOT, 'model_zoo', 'bda-sketret',
                'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.pth')


@pytest.fixture(scope='module')
def small_tree(tmp_path_factory):
    from sketret.datasets import SBIR_MINI_ROOT
    root = tmp_path_factory.mktemp('tree')
    for cls in ('pear', 'guitar'):
        for modality, n in (('sketch', 3), ('photo', 4)):
            src = osp.join(SBIR_MINI_ROOT, modality, cls)
            dst = root / modality / cls
            dst.mkdir(parents=True)
            for name in sorted(os.listdir(src))[:n]:
                shutil.copy(osp.join(src, name), dst)
    return root


def test_test_tool_on_a_folder_with_pictures(tool, small_tree, tmp_path):
    out = tmp_path / 'm.json'
    show = tmp_path / 'show'
    tool('test.py', CFG, CKPT, '--data-root', small_tree, '--out', out,
         '--show-dir', show, '--show-num', 2, '--work-dir', tmp_path / 'w')
    metrics = json.loads(out.read_text())
    assert metrics['preset'] == 'textbook'
    assert metrics['num_queries'] == 6  # 2 classes x 3 sketches
    assert 0 <= metrics['mAP@all'] <= 1 and 'P@10' in metrics
    pictures = sorted(os.listdir(show))
    assert len([p for p in pictures if p.startswith('query_')]) == 2
    assert 'per_class_mAP_at_all.png' in pictures
    assert 'features.npz' in pictures


def test_test_tool_and_check_dataset_on_svg_sketches(tool, small_tree,
                                                     tmp_path):
    """A --data-root whose sketches are .svg strokes (vector sketches), with
    a config whose pipeline loads images (LoadSBIRImage renders them)."""
    from sketret.structures.strokes import write_svg
    root = tmp_path / 'svg'
    shutil.copytree(small_tree / 'photo', root / 'photo')
    shapes = {
        'pear': [[[50, 10], [30, 60], [50, 90], [70, 60], [50, 10]]],
        'guitar': [[[40, 10], [60, 10], [60, 50], [80, 90], [20, 90],
                    [40, 50], [40, 10]]],
    }
    for cls, strokes in shapes.items():
        os.makedirs(root / 'sketch' / cls)
        for i in range(2):
            moved = [[[x + 5 * i, y] for x, y in s] for s in strokes]
            write_svg(moved, str(root / 'sketch' / cls / f'{i}.svg'))
    out = tmp_path / 'm.json'
    tool('test.py', CFG, CKPT, '--data-root', root, '--out', out,
         '--work-dir', tmp_path / 'w')
    metrics = json.loads(out.read_text())
    assert metrics['num_queries'] == 4  # 2 classes x 2 svg sketches
    assert 0 <= metrics['mAP@all'] <= 1
    proc = tool('misc/check_dataset.py', '--dataset', 'SketchPhotoFolder',
                '--data-root', root, '--quick')
    assert 'total: 4 sketches, 8 photos' in proc.stdout
    assert 'OK: no problem found.' in proc.stdout


def test_test_tool_data_root_without_sketches(tool, tmp_path):
    proc = tool('test.py', CFG, CKPT, '--data-root', tmp_path, check=False)
    assert proc.returncode != 0
    assert 'has no sketch/ folder' in proc.stderr


@pytest.fixture
def corrupt_tree(small_tree, tmp_path):
    """``small_tree`` with its first pear sketch replaced by junk bytes."""
    root = tmp_path / 'corrupt_tree'
    shutil.copytree(small_tree, root)
    bad = sorted((root / 'sketch' / 'pear').iterdir())[0]
    bad.write_bytes(b'\x89PNG\r\n\x1a\n not an image')
    return root, str(bad)


def test_test_tool_stops_at_a_corrupt_file_naming_it(tool, corrupt_tree,
                                                     tmp_path):
    root, bad = corrupt_tree
    proc = tool('test.py', CFG, CKPT, '--data-root', root, '--work-dir',
                tmp_path / 'w', check=False)
    assert proc.returncode == 1
    assert 'Traceback' not in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith(
        'tools/test.py: error: corrupt or unreadable image file '
        f'"{bad}"')


def test_test_tool_reports_skipped_files_with_the_metrics(
        tool, corrupt_tree, tmp_path):
    root, bad = corrupt_tree
    out = tmp_path / 'm.json'
    proc = tool('test.py', CFG, CKPT, '--data-root', root, '--out', out,
                '--work-dir', tmp_path / 'w', '--cfg-options',
                'test_dataloader.dataset.on_corrupt=skip')
    metrics = json.loads(out.read_text())
    assert metrics['skipped_files'] == [bad]
    assert metrics['num_queries'] == 5  # 2 classes x 3 sketches, 1 bad
    # the terminal's test line (ProgressHook), then the report
    lines = (proc.stdout + proc.stderr).splitlines()
    metric_line = [i for i, line in enumerate(lines)
                   if line.startswith('Test ') and 'mAP@all' in line]
    report = [i for i, line in enumerate(lines)
              if '1 unreadable files were left out of the test set' in line]
    assert len(metric_line) == 1 and len(report) == 1
    assert report[0] > metric_line[0]  # next to the metrics
    assert f'corrupt or unreadable image file "{bad}"' in lines[report[0] +
                                                                1]


def test_retrieve_tool(tool, small_tree, tmp_path):
    sketch = osp.join(small_tree, 'sketch', 'pear',
                      sorted(os.listdir(small_tree / 'sketch' / 'pear'))[0])
    grid = tmp_path / 'grid.png'
    index = tmp_path / 'idx'
    proc = tool('retrieve.py', CFG, CKPT, '--sketch', sketch, '--gallery',
                small_tree, '--topk', 5, '--out', grid, '--save-index',
                index, '--device', 'cpu')
    ranking = [line for line in proc.stdout.splitlines()
               if line.strip().startswith(('1 ', '2 ', '3 ', '4 ', '5 '))]
    assert len(ranking) == 5
    assert grid.is_file() and (index / 'meta.json').is_file()
    # the saved index gives the same ranking
    again = tool('retrieve.py', CFG, CKPT, '--sketch', sketch, '--gallery',
                 index, '--topk', 5, '--device', 'cpu')
    assert [line for line in again.stdout.splitlines()
            if line.strip().startswith(('1 ', '2 ', '3 ', '4 ', '5 '))
            ] == ranking
    bad = tool('retrieve.py', CFG, CKPT, '--sketch', tmp_path / 'nope.png',
               '--gallery', index, check=False)
    assert bad.returncode != 0 and 'nope.png' in bad.stderr
