# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""compare_methods.py tabulates finished runs: sub-galleries, seed means,
bootstrap intervals and paired differences, checked against scikit-learn
(test-only oracle) on hand-made feature dumps."""
import json
import os.path as osp

import numpy as np
import pytest
from sketret_testing import load_tool_module
from sklearn.metrics import average_precision_score

from sketret.evaluation import save_features

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


#: two tabulated methods A and B, seeds 0 and 1, nothing trained
TWO_FINISHED = [
    '--configs', 'configs/triplet/triplet_efficientnet-lite0_1xb32_'
    'sbir-mini.py', 'configs/sake/sake_efficientnet-lite0_1xb32_'
    'sbir-mini.py', '--names', 'A', 'B', '--seeds', '0', '1',
    '--only-finished'
]


def load_tool():
    return load_tool_module('analysis_tools', 'compare_methods.py')


def make_dump(path, seed):
    """Queries of classes 0-2 (the 'unseen' ones), a gallery with photos
    of classes 0-2, photos of classes 3-4 (one of them labelled -1, as
    qd-imagenet labels seen-class photos in a test set) and distractors
    (-1, in a distractor/ folder)."""
    rng = np.random.default_rng(seed)
    ql = np.repeat([0, 1, 2], 6)
    gl = np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, -1, -1, -1])
    paths = [f'photo/c{c}/{i}.jpg' for i, c in enumerate(gl[:9])] + [
        'photo/c4/9.jpg'] + [f'distractor/{i}.jpg' for i in (10, 11)]
    gl[9] = -1  # a seen-class photo relevant to no query
    centres = rng.standard_normal((5, 4))
    q = centres[ql] + rng.standard_normal((18, 4))
    g = np.concatenate([centres[gl[:9]], rng.standard_normal((3, 4))])
    g = g + 0.5 * rng.standard_normal(g.shape)
    save_features(str(path), query_feats=q, query_labels=ql,
                  gallery_feats=g, gallery_labels=gl, gallery_paths=paths,
                  class_names=['a', 'b', 'c', 'd', 'e'])
    return q, ql, g, gl


def sklearn_map(q, ql, g, gl):
    qn = q / np.linalg.norm(q, axis=1, keepdims=True)
    gn = g / np.linalg.norm(g, axis=1, keepdims=True)
    scores = qn @ gn.T
    return np.array([average_precision_score(gl == ql[i], scores[i])
                     for i in range(len(q))])


@pytest.fixture
def finished_runs(tmp_path):
    data = {}
    for name, offset in (('A', 0), ('B', 100)):
        for seed in (0, 1):
            run = tmp_path / 'work' / name / f'seed_{seed}'
            run.mkdir(parents=True)
            data[name, seed] = make_dump(run / 'test_features.npz',
                                         offset + seed)
            (run / 'train_time.json').write_text('{"seconds": 12.0}')
    return tmp_path, data


def test_tabulates_galleries_intervals_and_paired_differences(
        finished_runs):
    tmp_path, data = finished_runs
    out_json = tmp_path / 'table.json'
    out_md = tmp_path / 'table.md'
    load_tool().main([
        *TWO_FINISHED, '--galleries', 'unseen', 'photos', 'all',
        '--metrics', 'mAP@all', '--work-dir', str(tmp_path / 'work'),
        '--out-json', str(out_json), '--out-md', str(out_md),
        '--bootstrap', '500'
    ])
    res = json.loads(out_json.read_text())
    masks = {
        'unseen': lambda gl: np.isin(gl, [0, 1, 2]),
        # every photo but the 2 in distractor/ (10 of 12)
        'photos': lambda gl: np.arange(len(gl)) < 10,
        'all': lambda gl: np.ones(len(gl), bool),
    }
    for gallery, mask in masks.items():
        entry = res['galleries'][gallery]
        assert entry['gallery_size'] == int(mask(data['A', 0][3]).sum())
        per_query = {}
        for method in entry['methods']:
            name = method['name']
            want = []
            for seed in (0, 1):
                q, ql, g, gl = data[name, seed]
                keep = mask(gl)
                want.append(sklearn_map(q, ql, g[keep], gl[keep]))
            st = method['mAP@all']
            np.testing.assert_allclose(st['per_seed'],
                                       [w.mean() for w in want], atol=1e-6)
            assert st['std'] == pytest.approx(
                np.std([w.mean() for w in want], ddof=1), abs=1e-6)
            per_query[name] = np.mean(want, axis=0)
            assert st['ci_query']['low'] <= st['mean'] <= st['ci_query'][
                'high']
            assert st['ci_class']['num_units'] == 3
            assert set(st['per_class']) == {'a', 'b', 'c'}
            assert st['per_class']['b'] == pytest.approx(
                per_query[name][6:12].mean(), abs=1e-6)
        diff = entry['methods'][1]['mAP@all']['diff_query']
        assert diff['mean'] == pytest.approx(
            (per_query['B'] - per_query['A']).mean(), abs=1e-6)
        assert 'diff_query' not in entry['methods'][0]['mAP@all']
    md = out_md.read_text()
    assert md.count('#### Gallery') == 3 and 'Per-class mAP@all' in md


def test_paired_difference_uses_the_seeds_both_have(finished_runs):
    """B finished seed 0 only, the reference A seeds 0 and 1: B's paired
    difference is taken against A's seed 0, not A's two-seed average."""
    import shutil
    tmp_path, data = finished_runs
    shutil.rmtree(tmp_path / 'work' / 'B' / 'seed_1')
    out_json, out_md = tmp_path / 't.json', tmp_path / 't.md'
    load_tool().main([
        *TWO_FINISHED, '--galleries', 'all', '--metrics', 'mAP@all',
        '--work-dir', str(tmp_path / 'work'), '--out-json', str(out_json),
        '--out-md', str(out_md), '--bootstrap', '200'
    ])
    b = json.loads(out_json.read_text())['galleries']['all']['methods'][1]
    assert b['seeds'] == [0]
    want = sklearn_map(*data['B', 0]) - sklearn_map(*data['A', 0])
    assert b['mAP@all']['diff_query']['mean'] == pytest.approx(want.mean(),
                                                               abs=1e-6)
    assert b['mAP@all']['diff_seeds'] == [0]
    row = [line for line in out_md.read_text().splitlines()
           if line.startswith('| B |')][0]
    assert '(seeds 0)' not in row  # B's own seeds: nothing to flag
    # the reference with fewer seeds than a method: flagged in the table
    load_tool().main([
        *TWO_FINISHED, '--galleries', 'all', '--metrics', 'mAP@all',
        '--paired-to', 'B', '--work-dir', str(tmp_path / 'work'),
        '--out-md', str(out_md), '--bootstrap', '200'
    ])
    row = [line for line in out_md.read_text().splitlines()
           if line.startswith('| A |')][0]
    assert '(seeds 0)' in row


def test_bad_paired_to(finished_runs):
    tmp_path, _ = finished_runs
    with pytest.raises(SystemExit, match='--paired-to "C"'):
        load_tool().main([
            '--configs', 'configs/triplet/triplet_efficientnet-lite0_1xb32_'
            'sbir-mini.py', '--names', 'A', '--seeds', '0',
            '--only-finished', '--paired-to', 'C', '--work-dir',
            str(tmp_path / 'work')
        ])
    with pytest.raises(SystemExit):
        load_tool().main(['--configs', 'x.py', '--folds', '0', '1'])


@pytest.mark.parametrize('state', ['fresh', 'interrupted', 'trained'])
def test_run_one_resumes_or_reuses_training(tmp_path, monkeypatch, state):
    """An interrupted comparison continues: a training that stopped is
    resumed in its own folder (not restarted beside it, which left the old
    checkpoints to be tested), a finished one is tested, not retrained."""
    tool = load_tool()
    calls = []

    def fake_run(cmd, log_file):
        calls.append(cmd)
        if 'tools/train.py' in cmd:
            work = cmd[cmd.index('--work-dir') + 1]
            (tmp_path / 'run' / 'train').mkdir(exist_ok=True)
            open(osp.join(work, 'best_acc_epoch_8.pth'), 'w').close()
        else:
            open(cmd[cmd.index('--dump-features') + 1], 'w').close()

    monkeypatch.setattr(tool, '_run', fake_run)
    train = tmp_path / 'run' / 'train'
    train.mkdir(parents=True)
    if state != 'fresh':
        (train / 'best_acc_epoch_4.pth').touch()
        (train / 'last_checkpoint').write_text(str(train / 'epoch_4.pth'))
    if state == 'trained':
        (train / 'best_acc_epoch_8.pth').touch()
        (tmp_path / 'run' / 'train_time.json').write_text('{"seconds": 5}')
    args = tool.parse_args(['--configs', 'c.py', '--device', 'cpu'])
    _, seconds = tool.run_one('c.py', 0, str(tmp_path / 'run'), args)
    trains = [c for c in calls if 'tools/train.py' in c]
    assert len(trains) == (0 if state == 'trained' else 1)
    if trains:
        assert ('--resume' in trains[0]) == (state == 'interrupted')
        assert trains[0][trains[0].index('--work-dir') + 1] == str(train)
    else:
        assert seconds == 5
    test = calls[-1]
    assert 'tools/test.py' in test
    assert test[3] == str(train / 'best_acc_epoch_8.pth')
