# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""qd-imagenet: the preparation tool on the shipped files, the dataset's
subsets, galleries and folds, the sampler's per-epoch subsample and the
configs (counts from data/qd-imagenet/README.md)."""
import filecmp
import json
import os
import os.path as osp
import random

import numpy as np
import pytest
from mmengine.config import Config
from sketret_testing import load_tool_module

from sketret.datasets import QDImageNet, qd_imagenet_folds
from sketret.datasets.samplers import ClassBalancedPairSampler
from sketret.registry import DATASETS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SRC = osp.join(REPO, 'data', 'qd-imagenet')
CFG = osp.join(REPO, 'configs', 'bda-sketret',
               'bda-sketret_efficientnet-lite0_1xb32_qd-imagenet.py')


def load_prepare():
    return load_tool_module('dataset_converters',
                            'prepare_qd_imagenet.py')


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


def test_prepare_from_public_sources(tmp_path):
    """--quickdraw-ndjson / --imagenet-samples on a two-class miniature of
    the shipped layout: drawings picked by the key_ids of the shipped SVGs,
    photos resized to a longer side of 256 px."""
    import csv
    import io
    import tarfile

    from PIL import Image
    src = tmp_path / 'src'
    src.mkdir()
    with open(src / 'split.json', 'w') as f:
        json.dump(dict(seen=['cruise ship'], unseen=['cow']), f)
    # shipped SVGs: cow_0000 is key 22, cow_0001 key 11; the ship has key 5
    members = {'cow/cow_0000.svg': 22, 'cow/cow_0001.svg': 11,
               'cruise ship/cruise ship_0000.svg': 5}
    with tarfile.open(src / 'quickdraw_svg.tar.xz', 'w:xz') as tar:
        for name, key in members.items():
            data = (f'<!-- key_id = {key}-->\n<svg width="600" height="600">'
                    '<path d="M 0 0 L 1 1"/></svg>\n').encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    ndjson = tmp_path / 'ndjson'
    ndjson.mkdir()
    rows = {'cow': [(33, [[[0, 9], [0, 9]]]), (11, [[[1, 2], [3, 4]]]),
                    (22, [[[5, 6, 7], [8, 9, 10]]])],
            'cruise ship': [(5, [[[0, 255], [100, 100]]])]}
    for cls, drawings in rows.items():
        name = f'full_simplified_{cls}.ndjson'
        with open(ndjson / name, 'w') as f:
            for key, drawing in drawings:
                f.write(json.dumps(dict(word=cls, key_id=str(key),
                                        drawing=drawing)) + '\n')
    samples = tmp_path / 'samples'
    samples.mkdir()
    Image.new('RGB', (512, 300), (200, 10, 10)).save(samples / 'n1_ox.JPEG')
    Image.new('RGB', (100, 80), (10, 10, 200)).save(samples / 'n2_x.JPEG')
    with open(src / 'index.csv', 'w', newline='') as f:
        w = csv.DictWriter(f, ['domain', 'file', 'original_path'])
        w.writeheader()
        w.writerow(dict(domain='photo', file='photo/cow/n1_ox.jpg',
                        original_path='n1_ox.JPEG'))
        w.writerow(dict(domain='photo_distractor',
                        file='photo_distractor/n2_x.jpg',
                        original_path='n2_x.JPEG'))
    out = tmp_path / 'out'
    got = load_prepare().prepare(
        str(src), str(out), quickdraw_ndjson=str(ndjson),
        imagenet_samples=str(samples))
    assert got == dict(sketch=3, photo=1, distractor=1)
    from sketret.structures.strokes import read_svg
    cow0 = read_svg(str(out / 'sketch' / 'cow' / 'cow_0000.svg'))
    assert [p.tolist() for p in cow0] == [[[5, 8], [6, 9], [7, 10]]]
    cow1 = read_svg(str(out / 'sketch' / 'cow' / 'cow_0001.svg'))
    assert [p.tolist() for p in cow1] == [[[1, 3], [2, 4]]]
    with Image.open(out / 'photo' / 'cow' / 'n1_ox.jpg') as im:
        assert im.size == (256, 150) and im.format == 'JPEG'
    with Image.open(out / 'distractor' / 'n2_x.jpg') as im:
        assert im.size == (100, 80)  # never enlarged


def test_zoo_checkpoint_reproduces_its_qd_imagenet_numbers(tree, tool,
                                                           tmp_path):
    """The shipped fp16 BDA-SketRet qd-imagenet checkpoint gives the
    metafile's numbers on the `unseen` gallery of a freshly prepared tree
    (2,400 vector sketches rendered in the test pipeline)."""
    from sketret.apis import get_model_info
    info = get_model_info('bda-sketret_efficientnet-lite0_1xb32_qd-imagenet')
    expected = [r for r in info['Results']
                if r['Dataset'].startswith('qd-imagenet, gallery unseen ')]
    assert len(expected) == 1
    expected = expected[0]['Metrics']
    out = tmp_path / 'metrics.json'
    tool('test.py', info['Config'], info['Weights'], '--out', out,
         '--work-dir', tmp_path / 'w', '--device', 'cpu', '--cfg-options',
         f'test_dataloader.dataset.data_root={tree}',
         'test_dataloader.dataset.gallery=unseen')
    got = json.loads(out.read_text())
    assert got['preset'] == expected['Preset']
    assert got['mAP@all'] == pytest.approx(expected['mAP@all'], abs=1e-4)
    assert got['P@10'] == pytest.approx(expected['P@10'], abs=1e-4)
