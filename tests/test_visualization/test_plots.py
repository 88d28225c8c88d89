# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import json

import numpy as np
import pytest
from PIL import Image

from sketret.visualization import (
    draw_retrieval_grid,
    load_scalar_log,
    plot_log_curves,
    plot_per_class_ap,
)


def _frame_color(img, box):
    """Mean colour of a thin strip just inside ``box`` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    return img[y0:y0 + 2, x0 + 5:x1 - 5].reshape(-1, 3).mean(0)


def test_retrieval_grid_marks_right_and_wrong(tmp_path):
    query = np.full((32, 32), 255, np.uint8)
    photos = [np.full((32, 32, 3), 128, np.uint8) for _ in range(2)]
    out = tmp_path / 'grid.png'
    fig = draw_retrieval_grid(query, photos, scores=[0.9, 0.5],
                              correct=[True, False], labels=['a', 'b'],
                              out_file=str(out))
    assert out.is_file()
    img = np.asarray(Image.open(out).convert('RGB')).astype(int)
    # The figure has a green and a red frame around the two results.
    green = ((img[..., 1] > 150) & (img[..., 0] < 100)).sum()
    red = ((img[..., 0] > 180) & (img[..., 1] < 80)).sum()
    assert green > 50 and red > 50
    assert len(fig.axes) == 3


def test_retrieval_grid_empty_is_an_error():
    with pytest.raises(ValueError, match='results is empty'):
        draw_retrieval_grid(np.zeros((4, 4)), [])


def test_per_class_plot(tmp_path):
    out = tmp_path / 'ap.png'
    fig = plot_per_class_ap({'pear': 0.5, 'guitar': 0.9}, out_file=str(out))
    assert out.is_file()
    # bars sorted ascending from the bottom: pear first, guitar last
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ['pear', 'guitar']


def test_log_curves(tmp_path):
    run = tmp_path / 'work' / '20260101_000000' / 'vis_data'
    run.mkdir(parents=True)
    records = [dict(loss=1.0, iter=1, step=1, epoch=1),
               dict(loss=0.5, iter=2, step=2, epoch=1),
               {'textbook/mAP@all': 0.3, 'step': 1}]
    (run / 'scalars.json').write_text(
        '\n'.join(json.dumps(r) for r in records))
    log = load_scalar_log(str(tmp_path / 'work'))
    assert [r['loss'] for r in log['train']] == [1.0, 0.5]
    assert log['val'][0]['textbook/mAP@all'] == 0.3
    fig = plot_log_curves([str(tmp_path / 'work')],
                          ['loss', 'textbook/mAP@all'],
                          out_file=str(tmp_path / 'c.png'))
    xs, ys = fig.axes[0].lines[0].get_data()
    assert list(xs) == [1, 2] and list(ys) == [1.0, 0.5]
    with pytest.raises(KeyError, match='available: .*loss'):
        plot_log_curves([str(tmp_path / 'work')], ['nope'])


def test_bda_diagnostics_panels(tmp_path):
    from sketret.visualization.log_curves import plot_bda_diagnostics
    run = tmp_path / 'work' / '20260101_000000' / 'vis_data'
    run.mkdir(parents=True)
    records = [
        dict(iter=i, step=i, disc_acc=a, disc_acc_sketch=a - 0.1,
             grl_coeff=0.1 * i, proj_acc=0.2)
        for i, a in enumerate([1.0, 0.9, 0.8, 0.7], 1)
    ] + [{'modality_gap/probe_accuracy': 0.9, 'textbook/mAP@all': 0.3,
          'step': 1}]
    (run / 'scalars.json').write_text(
        '\n'.join(json.dumps(r) for r in records))
    out = tmp_path / 'diag.png'
    fig = plot_bda_diagnostics(str(tmp_path / 'work'), str(out), smooth=2)
    assert out.stat().st_size > 0
    spatial, ib, proj, val = fig.axes[:4]
    # running mean over 2 points: (1.0 + 0.9) / 2 ... at steps 2, 3, 4
    xs, ys = spatial.lines[0].get_data()
    assert list(xs) == [2, 3, 4]
    assert list(ys) == pytest.approx([0.95, 0.85, 0.75])
    assert [line.get_label() for line in spatial.lines] == [
        'disc_acc', 'disc_acc_sketch', 'grl_coeff']
    # this run logs no IB term: the panel says so
    assert not ib.lines and 'not logged' in ib.texts[0].get_text()
    assert [line.get_label() for line in val.lines] == [
        'modality_gap/probe_accuracy', 'textbook/mAP@all']
