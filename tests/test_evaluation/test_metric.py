# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

from sketret.evaluation import SBIRRetrievalMetric, load_features
from sketret.registry import METRICS
from sketret.structures import SBIRDataSample


def sample(modality, label, feature, is_seen=None, name=None):
    return dict(
        modality=modality,
        gt_label=label,
        feature=torch.tensor(feature, dtype=torch.float32),
        is_seen=is_seen,
        img_path=f'{modality}/{label}_{feature[0]}.png',
        class_name=name)


# Cosine scores of the toy set below (features are 2-D unit-ish vectors):
#   sketch s0 = (1, 0), class 0;  sketch s1 = (0, 1), class 1;
#   sketch s2 = (1, 1), class 2 (no class-2 photo: R = 0).
#   photo p0 = (1, 0.1) class 0, p1 = (0.1, 1) class 1,
#         p2 = (0.6, 0.8) class 0, p3 = (0, 1) distractor (-1).
# s0: cos p0 .995, p2 .6, p1 .0995, p3 0 -> rel 1 1 0 0: AP 1, P@1 1.
# s1: cos p3 1, p1 .995, p2 .8, p0 .0995 -> rel 0 1 0 0: AP 1/2, P@1 0.
# mAP@all = (1 + 1/2) / 2 = 3/4; P@1 = 1/2; s2 left out and counted.
def toy_samples():
    return [
        sample('sketch', 0, [1.0, 0.0], name='cat'),
        sample('sketch', 1, [0.0, 1.0], name='dog'),
        sample('sketch', 2, [1.0, 1.0], name='eel'),
        sample('photo', 0, [1.0, 0.1], name='cat'),
        sample('photo', 1, [0.1, 1.0], name='dog'),
        sample('photo', 0, [0.6, 0.8], name='cat'),
        sample('photo', -1, [0.0, 1.0]),
    ]


def test_process_keeps_compact_numpy_entries():
    metric = SBIRRetrievalMetric()
    metric.process(None, toy_samples()[:2])
    assert len(metric.results) == 2
    entry = metric.results[0]
    assert set(entry) == {
        'feature', 'modality', 'gt_label', 'is_seen', 'img_path',
        'class_name'
    }
    assert isinstance(entry['feature'], np.ndarray)
    assert entry['feature'].dtype == np.float32
    assert entry['feature'].tolist() == [1.0, 0.0]
    assert entry['gt_label'] == 0 and entry['modality'] == 'sketch'


def test_compute_metrics_keys_and_values():
    metric = METRICS.build(
        dict(type='SBIRRetrievalMetric', metrics=['mAP@all', 'P@1']))
    metric.process(None, toy_samples())
    res = metric.evaluate(7)
    assert res == {
        'textbook/mAP@all': pytest.approx(0.75),
        'textbook/P@1': pytest.approx(0.5),
        'textbook/num_queries': 3,
        'textbook/num_queries_without_relevant': 1,
    }


def test_sampler_padding_is_dropped():
    # The distributed sampler pads the last batch with repeated samples;
    # BaseMetric.evaluate(size) keeps the first `size` entries. A padded
    # duplicate of s1 (AP 1/2) would move mAP@all to (1 + 1/2 + 1/2) / 3.
    metric = SBIRRetrievalMetric(metrics=['mAP@all'])
    metric.process(None, toy_samples() + [toy_samples()[1]])
    assert metric.evaluate(7)['textbook/mAP@all'] == pytest.approx(0.75)


def test_benchmark_defaults_and_presets():
    m = SBIRRetrievalMetric(benchmark='sketchy-ext-21', preset='sake')
    assert m.metrics == ['mAP@200', 'P@200']
    assert SBIRRetrievalMetric(benchmark='quickdraw-ext-30').metrics == [
        'mAP@all', 'P@200'
    ]
    assert SBIRRetrievalMetric(benchmark='tuberlin-ext-30').metrics == [
        'mAP@all', 'P@100'
    ]
    m.process(None, toy_samples())
    res = m.evaluate(7)
    # Top 200 > N = 4 is the whole ranking: VOC / min(K, R) = VOC AP.
    # s0: 1. s1: precision 1/2 at its hit -> 1/2. P@200 'k' = hits / 4:
    # s0 2/4, s1 1/4.
    assert res['sake/mAP@200'] == pytest.approx(0.75)
    assert res['sake/P@200'] == pytest.approx(0.375)


def test_generalized_keys():
    # s0 unseen (AP 1), s1 seen (AP 1/2); the photos carry is_seen too.
    samples = toy_samples()[:2] + toy_samples()[3:]
    samples[0]['is_seen'] = False
    samples[1]['is_seen'] = True
    for s, seen in zip(samples[2:], [False, True, False, False]):
        s['is_seen'] = seen
    metric = SBIRRetrievalMetric(metrics=['mAP@all'])
    metric.process(None, samples)
    res = metric.evaluate(6)
    assert res == {
        'textbook/all/mAP@all': pytest.approx(0.75),
        'textbook/all/num_queries': 2,
        'textbook/all/num_queries_without_relevant': 0,
        'textbook/unseen/mAP@all': pytest.approx(1.0),
        'textbook/unseen/num_queries': 1,
        'textbook/unseen/num_queries_without_relevant': 0,
        'textbook/seen/mAP@all': pytest.approx(0.5),
        'textbook/seen/num_queries': 1,
        'textbook/seen/num_queries_without_relevant': 0,
    }


def test_photo_queries():
    # Photos as queries, sketches as the gallery: p0 (class 0) ranks s0
    # (.995) first -> AP 1; p2 (class 0): s0 .6, s2 .99 (class 2), s1 .8 ->
    # s2, s1, s0: AP 1/3; p1 (class 1): s1 .995 first -> 1; p3 has R = 0.
    metric = SBIRRetrievalMetric(metrics=['mAP@all'], query_modality='photo')
    metric.process(None, toy_samples())
    res = metric.evaluate(7)
    assert res['textbook/mAP@all'] == pytest.approx((1 + 1 / 3 + 1) / 3)
    assert res['textbook/num_queries_without_relevant'] == 1


def test_dump_features(tmp_path):
    path = tmp_path / 'feats.npz'
    metric = SBIRRetrievalMetric(dump_features=str(path))
    metric.dataset_meta = dict(classes=('cat', 'dog', 'eel'))
    metric.process(None, toy_samples())
    metric.evaluate(7)
    data = load_features(str(path))
    assert data['query_feats'].shape == (3, 2)
    assert data['query_labels'].tolist() == [0, 1, 2]
    assert data['gallery_feats'].shape == (4, 2)
    assert data['gallery_labels'].tolist() == [0, 1, 0, -1]
    assert data['gallery_feats'][2].tolist() == pytest.approx([0.6, 0.8])
    assert list(data['query_paths']) == [
        'sketch/0_1.0.png', 'sketch/1_0.0.png', 'sketch/2_1.0.png'
    ]
    assert data['class_names'] == ['cat', 'dog', 'eel']
    assert 'query_is_seen' not in data

    # An existing file is never overwritten: refused when the metric is
    # built, and when it appears before the metric writes.
    with pytest.raises(FileExistsError, match='feats.npz'):
        SBIRRetrievalMetric(dump_features=str(path))
    later = tmp_path / 'later.npz'
    metric = SBIRRetrievalMetric(dump_features=str(later))
    later.write_bytes(b'someone else')
    metric.process(None, toy_samples())
    with pytest.raises(FileExistsError, match='later.npz'):
        metric.evaluate(7)
    assert later.read_bytes() == b'someone else'


def test_dump_features_generalized_and_names_from_samples(tmp_path):
    samples = toy_samples()
    for s in samples:
        s['is_seen'] = s['gt_label'] == 1
    path = tmp_path / 'g.npz'
    metric = SBIRRetrievalMetric(dump_features=str(path))
    metric.process(None, samples)
    metric.evaluate(7)
    data = load_features(str(path))
    assert data['query_is_seen'].tolist() == [False, True, False]
    assert data['gallery_is_seen'].tolist() == [False, True, False, False]
    # No dataset_meta: names come from the samples' class_name.
    assert data['class_names'] == ['cat', 'dog', 'eel']


def test_through_mmengine_evaluator():
    # The Evaluator turns SBIRDataSample objects into dicts.
    evaluator = Evaluator(dict(type='SBIRRetrievalMetric', metrics='P@1'))
    outputs = []
    for s in toy_samples():
        ds = SBIRDataSample(
            metainfo=dict(
                modality=s['modality'],
                gt_label=s['gt_label'],
                is_seen=None,
                img_path=s['img_path'],
                class_name=s['class_name']))
        outputs.append(ds.set_feature(s['feature']))
    evaluator.process(outputs)
    assert evaluator.evaluate(7)['textbook/P@1'] == pytest.approx(0.5)


def test_errors():
    with pytest.raises(ValueError, match="unknown benchmark 'sketchy'"):
        SBIRRetrievalMetric(benchmark='sketchy')
    with pytest.raises(ValueError, match="unknown preset 'x'"):
        SBIRRetrievalMetric(preset='x')
    with pytest.raises(ValueError, match="unknown metric 'mAP'"):
        SBIRRetrievalMetric(metrics=['mAP'])
    with pytest.raises(ValueError, match="unknown similarity"):
        SBIRRetrievalMetric(similarity='l1')
    metric = SBIRRetrievalMetric()
    with pytest.raises(KeyError, match='feature'):
        metric.process(None, [dict(modality='sketch', gt_label=0)])
    with pytest.raises(ValueError, match='modality'):
        metric.process(None, [sample('drawing', 0, [1.0])])
    metric.process(None, [sample('sketch', 0, [1.0, 0.0])])
    with pytest.raises(ValueError, match='0 photo samples'):
        metric.evaluate(1)
