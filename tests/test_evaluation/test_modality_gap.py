# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The modality-gap measures against their definitions."""
import numpy as np
import pytest
import torch

from sketret.evaluation import SBIRRetrievalMetric
from sketret.evaluation.modality_gap import modality_gap, rbf_mmd2


def mmd2_by_definition(x, y, bandwidth):
    """Biased MMD^2 written as the three double sums of the definition."""
    def k(a, b):
        return np.exp(-np.sum((a - b)**2) / (2 * bandwidth**2))

    kxx = sum(k(a, b) for a in x for b in x) / len(x)**2
    kyy = sum(k(a, b) for a in y for b in y) / len(y)**2
    kxy = sum(k(a, b) for a in x for b in y) / (len(x) * len(y))
    return kxx + kyy - 2 * kxy


def test_rbf_mmd2_matches_definition():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((7, 3)), rng.standard_normal((5, 3)) + 0.5
    assert rbf_mmd2(x, y, 0.8) == pytest.approx(
        mmd2_by_definition(x, y, 0.8), abs=1e-12)
    assert rbf_mmd2(x, x, 0.8) == pytest.approx(0.0, abs=1e-12)


def test_gap_measures_separate_aligned_from_split_modalities():
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((6, 16))
    labels = rng.integers(0, 6, 300)
    sketches = centres[labels] + 0.3 * rng.standard_normal((300, 16))
    photos = centres[labels] + 0.3 * rng.standard_normal((300, 16))
    aligned = modality_gap(sketches, photos)
    split = modality_gap(sketches + 2.0 * np.eye(16)[0], photos)
    # Same distribution: the probe is at chance, MMD near 0.
    assert abs(aligned['probe_accuracy'] - 0.5) < 0.1
    assert split['probe_accuracy'] > 0.95
    assert split['mmd'] > 10 * aligned['mmd']
    assert split['centroid_distance'] > 5 * aligned['centroid_distance']
    # The centroid distance of unit vectors, by hand: two points.
    two = modality_gap(np.array([[1., 0], [1., 0]]),
                       np.array([[0., 3], [0., 1]]))
    assert two['centroid_distance'] == pytest.approx(np.sqrt(2))
    with pytest.raises(ValueError, match='at least 2 embeddings'):
        modality_gap(np.ones((1, 3)), np.ones((4, 3)))
    with pytest.raises(ValueError, match='same dimension'):
        modality_gap(np.ones((3, 3)), np.ones((4, 2)))


def test_metric_reports_gap_keys():
    rng = np.random.default_rng(2)
    metric = SBIRRetrievalMetric(metrics=['mAP@all'], modality_gap=True)
    samples = [
        dict(modality=m, gt_label=int(c), feature=torch.tensor(f),
             is_seen=None, img_path=None, class_name=None)
        for m in ('sketch', 'photo') for c, f in zip(
            rng.integers(0, 3, 20),
            rng.standard_normal((20, 4)).astype(np.float32))
    ]
    metric.process(None, samples)
    res = metric.evaluate(len(samples))
    assert {'modality_gap/mmd', 'modality_gap/centroid_distance',
            'modality_gap/probe_accuracy'} <= set(res)


def test_probe_is_not_fooled_by_unbalanced_modalities():
    # 600 sketches and 19 photos, linearly separable: a probe fitted on
    # the unbalanced set predicts "sketch" for all and scores 0.5
    # (balanced); subsampled to equal sizes it finds the split.
    rng = np.random.default_rng(3)
    sketches = rng.standard_normal((600, 8)) + 3.0 * np.eye(8)[0]
    photos = rng.standard_normal((19, 8)) - 3.0 * np.eye(8)[0]
    gap = modality_gap(sketches, photos)
    assert gap['probe_accuracy'] > 0.9


def test_gap_keys_in_test_json():
    from sketret.apis.runner_utils import metrics_to_json
    out = metrics_to_json({'textbook/mAP@all': 0.25,
                           'modality_gap/mmd': 0.02, 'time': 1.0})
    assert out == {'preset': 'textbook', 'mAP@all': 0.25,
                   'modality_gap': {'mmd': 0.02}, 'time': 1.0}
