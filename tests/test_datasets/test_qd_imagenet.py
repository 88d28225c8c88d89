# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""qd-imagenet: the preparation tool on the shipped files, the dataset's
subsets, galleries and folds, the sampler's per-epoch subsample and the
configs (counts from data/qd-imagenet/README.md)."""
import filecmp
import importlib.util
import json
import os
import os.path as osp
import random

import numpy as np
import pytest
from mmengine.config import Config

from sketret.datasets import QDImageNet, qd_imagenet_folds
from sketret.datasets.samplers import ClassBalancedPairSampler
from sketret.registry import DATASETS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SRC = osp.join(REPO, 'data', 'qd-imagenet')
CFG = osp.join(REPO, 'configs', 'bda-sketret',
               'bda-sketret_efficientnet-lite0_1xb32_qd-imagenet.py')


def load_prepare():
    path = osp.join(REPO, 'tools', 'dataset_converters',
                    'prepare_qd_imagenet.py')
    spec = importlib.util.spec_from_file_location('prepare_qd', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope='module')
def tree(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('qd') / 'prepared')
    assert load_prepare().main(['--src', SRC, '--out', out]) == 0
    return out


def counts(ds):
    labels, mods = ds.get_labels_and_modalities()
    return dict(sketch=int((mods == 'sketch').sum()),
                photo=int((mods == 'photo').sum()),
                irrelevant=int((labels < 0).sum()))


def test_prepare_writes_the_shipped_set(tree, capsys):
    names = {top: sum(len(f) for _, _, f in os.walk(osp.join(tree, top)))
             for top in ('sketch', 'photo', 'distractor')}
    assert names == dict(sketch=14600, photo=291, distractor=642)
    assert len(os.listdir(osp.join(tree, 'sketch'))) == 73
    with open(osp.join(tree, 'split.json')) as f:
        split = json.load(f)
    assert (len(split['seen']), len(split['unseen'])) == (61, 12)
    # photos are copied byte for byte; excluded photos are not copied
    rel = osp.join('photo', 'cow', os.listdir(osp.join(tree, 'photo',
                                                       'cow'))[0])
    assert filecmp.cmp(osp.join(SRC, rel), osp.join(tree, rel),
                       shallow=False)
    excluded = set(os.listdir(osp.join(SRC, 'photo_excluded')))
    assert len(excluded) == 31
    assert not excluded & set(os.listdir(osp.join(tree, 'distractor')))
    # a second run refuses to write into the tree
    assert load_prepare().main(['--src', SRC, '--out', tree]) == 1
    assert '--force' in capsys.readouterr().err


def test_prepare_subset_and_force(tmp_path):
    prep = load_prepare()
    out = str(tmp_path / 't')
    os.makedirs(out)
    mine = osp.join(out, 'notes.txt')
    with open(mine, 'w') as f:
        f.write('mine')
    with pytest.raises(FileExistsError, match='--force'):
        prep.prepare(SRC, out, sketches_per_class=2)
    got = prep.prepare(SRC, out, force=True, sketches_per_class=2)
    assert got == dict(sketch=146, photo=291, distractor=642)
    assert sorted(os.listdir(osp.join(out, 'sketch', 'cow'))) == [
        'cow_0000.svg', 'cow_0001.svg'
    ]
    with open(mine) as f:  # other files are left alone
        assert f.read() == 'mine'


@pytest.mark.parametrize('gallery, photos, irrelevant', [
    ('unseen', 19, 0),
    ('unseen+seen', 291, 272),
    ('unseen+seen+distractor', 933, 914),
])
def test_test_galleries(tree, gallery, photos, irrelevant):
    ds = QDImageNet(data_root=tree, subset='test', gallery=gallery)
    assert counts(ds) == dict(sketch=2400, photo=photos,
                              irrelevant=irrelevant)
    assert len(ds.metainfo['classes']) == 12
    paths = [ds.get_data_info(i)['img_path'] for i in range(len(ds))]
    assert not any('excluded' in p for p in paths)
    # every query has at least one relevant photo
    labels, mods = ds.get_labels_and_modalities()
    assert set(labels[mods == 'sketch']) <= set(labels[mods == 'photo'])


def test_train_and_val_use_seen_classes_only(tree):
    train = QDImageNet(data_root=tree, subset='train')
    val = QDImageNet(data_root=tree, subset='val')
    # 200 drawings per class, floor(0.1 * 200 + 0.5) = 20 held out
    assert counts(train) == dict(sketch=61 * 180, photo=272, irrelevant=0)
    assert counts(val) == dict(sketch=61 * 20, photo=272, irrelevant=0)
    assert len(val.metainfo['classes']) == 61
    paths = {
        ds.get_data_info(i)['img_path']
        for ds in (train, val) for i in range(len(ds))
        if ds.get_data_info(i)['modality'] == 'sketch'
    }
    assert len(paths) == 61 * 200  # held-out drawings are not trained on
    unseen = set(train.unseen_classes)
    assert not unseen & {val.get_data_info(i)['class_name']
                         for i in range(len(val))}
    labels, mods = val.get_labels_and_modalities()
    assert set(labels[mods == 'sketch']) == set(labels[mods == 'photo'])


def test_folds():
    with open(osp.join(SRC, 'split.json')) as f:
        split = json.load(f)
    classes = split['seen'] + split['unseen']
    folds = qd_imagenet_folds(classes)
    assert sorted(len(f) for f in folds) == [18, 18, 18, 19]
    flat = [c for f in folds for c in f]
    assert sorted(flat) == sorted(classes)  # disjoint and covering
    shuffled = list(classes)
    random.Random(1).shuffle(shuffled)
    assert [sorted(f) for f in qd_imagenet_folds(shuffled)] == [
        sorted(f) for f in folds
    ]


def test_fold_split_dataset(tree):
    classes = QDImageNet(data_root=tree, subset='test', gallery='unseen')
    folds = qd_imagenet_folds(classes.seen_classes + classes.unseen_classes)
    ds = QDImageNet(data_root=tree, subset='test', split='fold2',
                    gallery='unseen')
    assert sorted(ds.unseen_classes) == sorted(folds[2])
    assert len(ds.seen_classes) == 73 - len(folds[2])
    assert counts(ds)['sketch'] == 200 * len(folds[2])
    with pytest.raises(ValueError, match='fold4'):
        QDImageNet(data_root=tree, split='fold4')


def test_per_epoch_subsample(tree):
    ds = QDImageNet(data_root=tree, subset='train')
    sampler = ClassBalancedPairSampler(
        ds, classes_per_batch=4, sketches_per_class=4, photos_per_class=4,
        sketches_per_class_per_epoch=10, seed=0)
    # 61 classes x ceil(10 / 4) = 183 slots -> ceil(183 / 4) = 46 batches
    assert sampler.num_batches == 46
    labels, mods = ds.get_labels_and_modalities()

    def sketches(epoch):
        sampler.set_epoch(epoch)
        idx = np.fromiter(iter(sampler), dtype=np.int64)
        idx = idx[mods[idx] == 'sketch']
        return {c: set(idx[labels[idx] == c].tolist()) for c in range(61)}

    first, second = sketches(0), sketches(1)
    # per class: 10 primaries in slots of 4, 4, 2 (+2 of the same 10); the
    # one fill slot (184 places - 183 slots) adds at most 4 other sketches
    extra = [len(s) - 10 for s in first.values()]
    assert min(extra) == 0 and sum(extra) <= 4
    assert first != second  # a new subsample every epoch


def test_config_builds_its_datasets(tree):
    cfg = Config.fromfile(CFG)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = tree
    test = DATASETS.build(cfg.test_dataloader.dataset)
    assert counts(test) == dict(sketch=2400, photo=19, irrelevant=0)
    sample = test[0]
    assert tuple(sample['inputs'].shape) == (3, 160, 160)
    assert sample['data_samples'].modality == 'sketch'
    train = DATASETS.build(cfg.train_dataloader.dataset)
    np.random.seed(0)
    assert tuple(train[0]['inputs'].shape) == (3, 160, 160)
    assert cfg.model.head.in_dim == 384
    vectors = np.load(osp.join(REPO, cfg.model.semantics.file))
    assert vectors['vectors'].shape == (73, 384)
