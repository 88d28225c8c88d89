# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""visualize_embeddings.py on the shipped demo checkpoint and the bundled
set, and its 2-D maps on synthetic clusters."""
import os
import os.path as osp

import numpy as np
import pytest
from sketret_testing import load_tool_module

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'bda-sketret',
                  'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py')
CKPT = osp.join(REPO, 'model_zoo', 'bda-sketret',
                'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.pth')


def load_tool():
    return load_tool_module('analysis_tools',
                            'visualize_embeddings.py')


@pytest.mark.parametrize('method', ['tsne', 'pca'])
def test_2d_map_keeps_clusters_apart(method):
    # Three well separated clusters stay separated in 2-D: every point's
    # nearest neighbour in the map is of its own cluster.
    rng = np.random.default_rng(0)
    centres = np.eye(3, 16) * 4
    labels = np.repeat(np.arange(3), 25)
    feats = centres[labels] + 0.3 * rng.standard_normal((75, 16))
    xy = load_tool().embed_2d(feats, method, 30.0, 0)
    assert xy.shape == (75, 2)
    d = ((xy[:, None] - xy[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert (labels[d.argmin(1)] == labels).all()


@pytest.mark.slow
def test_tool_on_bundled_set(tmp_path, capsys):
    tool = load_tool()
    out = tmp_path / 'emb.png'
    gap = tool.main([CONFIG, CKPT, '--out', str(out), '--per-class', '2',
                     '--method', 'pca', '--device', 'cpu'])
    assert out.stat().st_size > 10_000
    assert 0.0 <= gap['probe_accuracy'] <= 1.0 and gap['mmd'] >= 0
    printed = capsys.readouterr().out
    # At most 2 sketches and 2 photos per class (tank has 1 sketch); 6
    # seen classes (the checkpoint's dataset_meta).
    root = osp.join(REPO, 'sketret', 'assets', 'sbir-mini')
    expected = sum(
        min(2, len(os.listdir(osp.join(root, m, c))))
        for m in ('sketch', 'photo') for c in os.listdir(osp.join(root, m)))
    assert f'{expected} embeddings of 10 classes (6 seen)' in printed
    with pytest.raises(SystemExit, match='exists; pass --force'):
        tool.main([CONFIG, CKPT, '--out', str(out)])
    with pytest.raises(SystemExit, match='sketch/<class>/'):
        tool.main([CONFIG, CKPT, '--out', str(tmp_path / 'x.png'),
                   '--data-root', str(tmp_path)])
