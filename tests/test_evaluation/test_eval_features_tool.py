# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from sketret_testing import load_tool_module

from sketret.evaluation import load_features, save_features

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join('tools', 'analysis_tools', 'eval_features.py')


def load_tool():
    return load_tool_module('analysis_tools', 'eval_features.py')


@pytest.fixture
def features(tmp_path):
    """The hand case of test_functional (dot scores 0.9 0.7 0.7 0.7 0.4 0.4
    0.1; labels 3 7 -1 3 7 3 7), with a class-7 query, a class-3 query and
    a query of class 5 (no photo). Class names: labels index them.

    Class 7 (rel at stable positions 2, 5, 7; A = 4, 6, 7):
        textbook mAP@all = (1/4 + 2/6 + 3/7) / 3 = 85/252, P@5 = 2/5
        sake mAP@all = (1/2 + 3/7 + 3/7) / 3 = 19/42
    Class 3 (positions 1, 4, 6; A = 1, 4, 6; stable P 1, 2/4, 3/6):
        textbook mAP@all = (1 + 2/4 + 3/6) / 3 = 2/3, P@5 = 2/5
        sake: envelope 1, 1/2, 1/2 -> 2/3
    """
    path = tmp_path / 'feats.npz'
    names = [f'class{i}' for i in range(8)]
    save_features(
        str(path),
        query_feats=np.ones((3, 1)),
        query_labels=[7, 3, 5],
        gallery_feats=np.array([[0.9], [0.7], [0.7], [0.7], [0.4], [0.4],
                                [0.1]]),
        gallery_labels=[3, 7, -1, 3, 7, 3, 7],
        class_names=names)
    return path


def test_tool_subprocess_json(features, tmp_path):
    out = tmp_path / 'res.json'
    cmd = [
        sys.executable, TOOL,
        str(features), '--similarity', 'dot', '--metrics', 'mAP@all', 'P@5',
        '--per-class', '--out',
        str(out)
    ]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert 'mAP@all' in proc.stdout and 'per class' in proc.stdout
    res = json.loads(out.read_text())
    assert set(res) == {
        'mAP@all', 'P@5', 'preset', 'num_queries',
        'num_queries_without_relevant', 'per_class'
    }
    assert res['preset'] == 'textbook'
    assert res['mAP@all'] == pytest.approx((85 / 252 + 2 / 3) / 2)
    assert res['P@5'] == pytest.approx(2 / 5)
    assert res['num_queries'] == 3
    assert res['num_queries_without_relevant'] == 1
    assert set(res['per_class']) == {'class3', 'class5', 'class7'}
    assert res['per_class']['class7']['mAP@all'] == pytest.approx(85 / 252)
    assert res['per_class']['class3']['mAP@all'] == pytest.approx(2 / 3)
    assert res['per_class']['class5'] == {
        'mAP@all': None,
        'P@5': None,
        'num_queries': 1,
        'num_queries_without_relevant': 1
    }

    # --out never replaces a file without --force (checked in-process, a
    # second interpreter start is slow).
    with pytest.raises(SystemExit, match='res.json.*--force'):
        load_tool().main(cmd[2:] + ['--preset', 'sake'])
    assert json.loads(out.read_text())['preset'] == 'textbook'


def test_tool_in_process(features, tmp_path, capsys):
    tool = load_tool()
    out = tmp_path / 'sake.json'
    res = tool.main([
        str(features), '--similarity', 'dot', '--preset', 'sake', '--out',
        str(out), '--metrics', 'mAP@all'
    ])
    assert res['mAP@all'] == pytest.approx((19 / 42 + 2 / 3) / 2)
    saved = json.loads(out.read_text())
    assert set(saved) == {
        'mAP@all', 'preset', 'num_queries', 'num_queries_without_relevant'
    }
    assert saved['preset'] == 'sake'
    # --force replaces it.
    tool.main([
        str(features), '--similarity', 'dot', '--out',
        str(out), '--force', '--metrics', 'P@5'
    ])
    assert set(json.loads(out.read_text())) == {
        'P@5', 'preset', 'num_queries', 'num_queries_without_relevant'
    }
    assert 'preset sake' in capsys.readouterr().out


def test_tool_errors(features, tmp_path):
    tool = load_tool()
    with pytest.raises(SystemExit, match="unknown metric 'P@all'"):
        tool.main([str(features), '--metrics', 'P@all'])
    with pytest.raises(SystemExit, match='does not exist'):
        tool.main([str(tmp_path / 'missing.npz')])
    bad = tmp_path / 'bad.npz'
    np.savez(bad, query_feats=np.ones((2, 3)), query_labels=[0, 1])
    with pytest.raises(SystemExit, match='lacks gallery_feats, '
                       'gallery_labels'):
        tool.main([str(bad)])


def test_features_io_checks(tmp_path):
    path = tmp_path / 'x.npz'
    save_features(str(path), np.ones((2, 3)), [0, 1], np.ones((4, 3)),
                  [0, 1, 1, -1], query_paths=['a', 'b'])
    with pytest.raises(FileExistsError, match='x.npz'):
        save_features(str(path), np.ones((2, 3)), [0, 1], np.ones((4, 3)),
                      [0, 1, 1, -1])
    save_features(
        str(path),
        np.ones((2, 3)), [0, 1],
        np.ones((4, 3)), [0, 1, 1, -1],
        overwrite=True)
    assert 'query_paths' not in load_features(str(path))
    with pytest.raises(ValueError, match='gallery_feats has D=2'):
        save_features(
            str(tmp_path / 'y.npz'), np.ones((2, 3)), [0, 1], np.ones((4, 2)),
            [0, 1, 1, -1])
    with pytest.raises(ValueError, match=r'query_labels must have shape'):
        save_features(
            str(tmp_path / 'y.npz'), np.ones((2, 3)), [0], np.ones((4, 3)),
            [0, 1, 1, -1])
    with pytest.raises(ValueError, match=r'gallery_paths must have shape'):
        save_features(
            str(tmp_path / 'y.npz'),
            np.ones((2, 3)), [0, 1],
            np.ones((4, 3)), [0, 1, 1, -1],
            gallery_paths=['a'])
    bad = tmp_path / 'bad.npz'
    np.savez(
        bad,
        query_feats=np.ones((2, 3)),
        query_labels=np.array([0, 1]),
        gallery_feats=np.ones((4, 3)),
        gallery_labels=np.array([0, 1, 1]))
    with pytest.raises(ValueError, match='gallery_labels must have shape'):
        load_features(str(bad))


def test_json_bitwise_identical_for_any_memory_budget(tmp_path):
    # A gallery of duplicated and parallel vectors (integer components
    # times factors float32 holds exactly): the whole JSON must not depend
    # on the block shape that --memory-budget implies.
    rng = np.random.default_rng(70)
    base = rng.integers(-6, 7, (9, 32)).astype(np.float32)
    idx = rng.integers(0, 9, 260)
    factor = rng.choice(np.float32([1, 3, 0.75, 5, 6.5]), 260)
    path = tmp_path / 'tied.npz'
    save_features(
        str(path),
        query_feats=np.concatenate(
            [base[:4], rng.standard_normal((16, 32)).astype(np.float32)]),
        query_labels=rng.integers(0, 3, 20),
        gallery_feats=base[idx] * factor[:, None],
        gallery_labels=np.arange(9)[idx] % 4 - 1,
        class_names=['a', 'b', 'c'])
    tool = load_tool()
    outs = []
    for budget in ('1', '64KB', '2GB'):
        out = tmp_path / f'res_{budget}.json'
        tool.main([
            str(path), '--similarity', 'cosine', '--metrics', 'mAP@all',
            'mAP@50', 'P@10', '--per-class', '--memory-budget', budget,
            '--out', str(out)
        ])
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    assert json.loads(outs[0])['mAP@all'] is not None
