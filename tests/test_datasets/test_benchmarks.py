# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Sketchy-, TU-Berlin- and QuickDraw-Extended on synthetic trees in their
published layouts, and the shipped official lists."""
import gzip
import os
import os.path as osp
import shutil
from collections import Counter

import numpy as np
import pytest
from sbir_synth import write_classes, write_image, write_list

from sketret.datasets import (
    QuickDrawExtended,
    SketchyExtended,
    TUBerlinExtended,
)
from sketret.datasets.assets import SPLITS_ROOT
from sketret.registry import DATASETS

SK = '256x256/sketch/tx_000000000000_ready'
PH = '256x256/photo/tx_000000000000_ready'
SK_LIST = 'sketch_tx_000000000000_ready_filelist_{}.txt.gz'
PH_LIST = 'all_photo_filelist_{}.txt.gz'


def infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def count(ds):
    return Counter(d['modality'] for d in infos(ds))


def rel(path, root):
    return osp.relpath(path, root).replace(os.sep, '/')


def assert_consistent(ds, root):
    """Labels index metainfo classes; the file lies in its class folder;
    seen and unseen classes never mix."""
    meta = ds.metainfo
    classes = meta['classes']
    seen, unseen = set(meta['seen_classes']), set(meta['unseen_classes'])
    assert not seen & unseen
    for d in infos(ds):
        if d['gt_label'] < 0:
            continue
        assert classes[d['gt_label']] == d['class_name']
        assert osp.isfile(d['img_path'])
        if meta['subset'] in ('train', 'val'):
            assert d['class_name'] in seen and d['is_seen'] is None
        elif not meta['generalized']:
            assert d['class_name'] in unseen and d['is_seen'] is None
        else:
            assert d['is_seen'] == (d['class_name'] in seen)


# --------------------------------------------------------------- Sketchy-25
SEEN25 = ['airplane', 'hot-air_balloon', 'car_(sedan)']
UNSEEN25 = ['cup', 'jack-o-lantern']


@pytest.fixture
def sketchy25(tree):
    d = osp.join(tree.split_root, 'sketchy_ext_25')
    write_classes(osp.join(d, 'seen_classes.txt'), SEEN25)
    write_classes(osp.join(d, 'unseen_classes.txt'), UNSEEN25)
    write_list(osp.join(d, SK_LIST.format('train')),
               tree.listed(SK, SEEN25, 3, '.png', 'sketch', 'tr'))
    write_list(osp.join(d, SK_LIST.format('test')),
               tree.listed(SK, SEEN25, 1, '.png', 'sketch', 'ho'))
    write_list(osp.join(d, SK_LIST.format('zero')),
               tree.listed(SK, UNSEEN25, 2, '.png', 'sketch', 'te'))
    write_list(osp.join(d, PH_LIST.format('train')),
               tree.listed(PH, SEEN25, 4, '.jpg', 'photo', 'tr'))
    write_list(osp.join(d, PH_LIST.format('zero')),
               tree.listed(PH, UNSEEN25, 3, '.jpg', 'photo', 'te'))
    # in the tree but in no list: must not be loaded
    tree.files(SK, 'airplane', 1, '.png', 'sketch', 'stray')
    tree.files(PH, 'cup', 1, '.jpg', 'photo', 'stray')
    return tree


def sketchy(tree, **kw):
    kw.setdefault('split', 'sketchy_ext_25')
    return SketchyExtended(
        data_root=tree.root, split_root=tree.split_root, **kw)


def test_sketchy25_subsets(sketchy25):
    t = sketchy25
    train = sketchy(t, subset='train', val_ratio=0.25)
    val = sketchy(t, subset='val', val_ratio=0.25)
    test = sketchy(t, subset='test')
    # 3 listed train sketches per class; SAKE held-out list = val sketches;
    # photos: 4 per class, floor(0.25 * 4 + 0.5) = 1 held out per class
    assert count(train) == {'sketch': 9, 'photo': 9}
    assert count(val) == {'sketch': 3, 'photo': 3}
    assert count(test) == {'sketch': 4, 'photo': 6}
    assert train.metainfo['classes'] == tuple(SEEN25)
    assert val.metainfo['classes'] == tuple(SEEN25)
    assert test.metainfo['classes'] == tuple(UNSEEN25)
    for ds in (train, val, test):
        assert_consistent(ds, t.root)
    # official class ids are the labels
    assert {(d['class_name'], d['gt_label'])
            for d in infos(train)} == {(c, i)
                                       for i, c in enumerate(SEEN25)}
    assert {(d['class_name'], d['gt_label'])
            for d in infos(test)} == {(c, i)
                                      for i, c in enumerate(UNSEEN25)}
    paths = {s: {rel(d['img_path'], t.root) for d in infos(ds)}
             for s, ds in (('train', train), ('val', val), ('test', test))}
    assert not paths['train'] & paths['val']
    assert all('/ho' in p for p in paths['val'] if p.endswith('.png'))
    assert not any('stray' in p for ps in paths.values() for p in ps)
    # per class: every photo is in train or val, exactly one in val
    val_photos = Counter(d['class_name'] for d in infos(val)
                         if d['modality'] == 'photo')
    assert val_photos == {c: 1 for c in SEEN25}
    # the order: sketches then photos, each by label
    mods = [d['modality'] for d in infos(train)]
    assert mods == sorted(mods, key=lambda m: m != 'sketch')


def test_sketchy25_single_modality_and_sample_idx(sketchy25):
    ds = sketchy(sketchy25, subset='test', modality='photo')
    assert count(ds) == {'photo': 6}
    assert [ds.get_data_info(i)['sample_idx'] for i in range(3)] == [0, 1, 2]


def test_sketchy25_val_is_deterministic(sketchy25):
    a = sketchy(sketchy25, subset='val', val_ratio=0.25)
    b = sketchy(sketchy25, subset='val', val_ratio=0.25)
    c = sketchy(sketchy25, subset='val', val_ratio=0.25, split_seed=7)
    pa = [d['img_path'] for d in infos(a)]
    assert pa == [d['img_path'] for d in infos(b)]
    assert len(pa) == len(infos(c))


def test_sketchy25_generalized(sketchy25):
    t = sketchy25
    val = sketchy(t, subset='val', val_ratio=0.25)
    gen = sketchy(t, subset='test', generalized=True, val_ratio=0.25)
    assert gen.metainfo['classes'] == tuple(UNSEEN25 + SEEN25)
    assert_consistent(gen, t.root)
    c = Counter((d['modality'], d['is_seen']) for d in infos(gen))
    # 20 % of 4 unseen test sketches -> 1, of 6 unseen test photos -> 1
    assert c == {('sketch', False): 4, ('photo', False): 6,
                 ('sketch', True): 1, ('photo', True): 1}
    held = {d['img_path'] for d in infos(val)}
    for d in infos(gen):
        if d['is_seen']:
            assert d['img_path'] in held
            assert d['gt_label'] >= len(UNSEEN25)
        else:
            assert d['gt_label'] < len(UNSEEN25)


def test_registry_build(sketchy25):
    ds = DATASETS.build(
        dict(type='SketchyExtended', data_root=sketchy25.root,
             split_root=sketchy25.split_root, subset='test',
             modality='sketch'))
    assert len(ds) == 4


def test_folder_spelled_differently(sketchy25):
    t = sketchy25
    for d in (SK, PH):
        os.rename(osp.join(t.root, d, 'hot-air_balloon'),
                  osp.join(t.root, d, 'Hot Air Balloon'))
    ds = sketchy(t, subset='train', val_ratio=0.25)
    files = [d['img_path'] for d in infos(ds)
             if d['class_name'] == 'hot-air_balloon']
    assert len(files) == 6
    assert all('Hot Air Balloon' in f and osp.isfile(f) for f in files)


# -------------------------------------------------------------- bad inputs
def test_missing_root_shows_tree(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        SketchyExtended(data_root=str(tmp_path / 'nope'), subset='test')
    msg = str(e.value)
    assert 'Expected tree' in msg
    assert 'tx_000000000000_ready/<class>' in msg
    assert 'docs/datasets.md' in msg
    assert 'tools/misc/check_dataset.py' in msg


def test_root_without_modality_folder(tmp_path):
    (tmp_path / 'png_ready').mkdir()
    with pytest.raises(FileNotFoundError, match='ImageResized_ready'):
        TUBerlinExtended(data_root=str(tmp_path), subset='test')


def test_unknown_split_lists_valid_ones(tmp_path):
    with pytest.raises(ValueError) as e:
        SketchyExtended(data_root=str(tmp_path), split='sketchy_99')
    for name in ('sketchy_ext_25', 'sketchy_ext_21', 'sketchy_sempcyc'):
        assert name in str(e.value)
    with pytest.raises(ValueError, match='tuberlin_ext_30'):
        TUBerlinExtended(data_root=str(tmp_path), split='x')


def test_class_without_folder(sketchy25):
    shutil.rmtree(osp.join(sketchy25.root, SK, 'cup'))
    with pytest.raises(FileNotFoundError, match="'cup'"):
        sketchy(sketchy25, subset='test')
    # the photo-only test set does not need the sketch folder
    assert len(sketchy(sketchy25, subset='test', modality='photo')) == 6


def test_list_entry_in_wrong_folder(sketchy25):
    d = osp.join(sketchy25.split_root, 'sketchy_ext_25')
    write_list(osp.join(d, SK_LIST.format('zero')),
               [(f'{SK}/cup/te0.png', 1)])  # cid 1 is jack-o-lantern
    with pytest.raises(ValueError, match='te0.png'):
        sketchy(sketchy25, subset='test', modality='sketch')


@pytest.mark.parametrize('kw,match', [
    (dict(subset='train', generalized=True), 'generalized'),
    (dict(subset='all'), 'subset'),
    (dict(modality='video'), 'modality'),
    (dict(on_corrupt='ignore'), 'on_corrupt'),
    (dict(val_ratio=1.5), 'val_ratio'),
])
def test_bad_arguments(sketchy25, kw, match):
    with pytest.raises(ValueError, match=match):
        sketchy(sketchy25, **kw)


def test_lazy_init_gives_classes_without_data(tmp_path):
    ds = SketchyExtended(data_root=str(tmp_path / 'absent'), subset='test',
                         lazy_init=True)
    assert len(ds.metainfo['classes']) == 25
    with pytest.raises(FileNotFoundError, match='Expected tree'):
        ds.full_init()


# ----------------------------------------------------- Sketchy-21 (no held
# -out list: val from val_ratio of the train lists)
def test_sketchy21(tree):
    seen, unseen = ['table', 'teapot', 'harp'], ['bat', 'cabin']
    d = osp.join(tree.split_root, 'sketchy_ext_21')
    write_classes(osp.join(d, 'seen_classes.txt'), seen)
    write_classes(osp.join(d, 'unseen_classes.txt'), unseen)
    write_list(osp.join(d, SK_LIST.format('train')),
               tree.listed(SK, seen, 10, '.png', 'sketch'))
    write_list(osp.join(d, SK_LIST.format('zero')),
               tree.listed(SK, unseen, 2, '.png', 'sketch', 'z'))
    write_list(osp.join(d, PH_LIST.format('train')),
               tree.listed(PH, seen, 5, '.jpg', 'photo'))
    write_list(osp.join(d, PH_LIST.format('zero')),
               tree.listed(PH, unseen, 3, '.jpg', 'photo', 'z'))
    kw = dict(split='sketchy_ext_21')
    train = sketchy(tree, subset='train', **kw)
    val = sketchy(tree, subset='val', **kw)
    test = sketchy(tree, subset='test', **kw)
    # floor(0.1 * 10 + .5) = 1 sketch, floor(0.1 * 5 + .5) = 1 photo per class
    assert count(train) == {'sketch': 27, 'photo': 12}
    assert count(val) == {'sketch': 3, 'photo': 3}
    assert count(test) == {'sketch': 4, 'photo': 6}
    for ds in (train, val, test):
        assert_consistent(ds, tree.root)


# ------------------------------------------------------------- TU-Berlin
TU_SEEN = ['alarm clock', 'hot air balloon', 'wrist-watch']
TU_UNSEEN = ['banana', 't-shirt']


@pytest.fixture
def tuberlin(tree):
    d = osp.join(tree.split_root, 'tuberlin_ext_30')
    write_classes(osp.join(d, 'seen_classes.txt'), TU_SEEN)
    write_classes(osp.join(d, 'unseen_classes.txt'), TU_UNSEEN)
    write_list(osp.join(d, 'png_ready_filelist_train.txt.gz'),
               tree.listed('png_ready', TU_SEEN, 4, '.png', 'sketch'))
    write_list(osp.join(d, 'png_ready_filelist_test.txt.gz'),
               tree.listed('png_ready', TU_SEEN, 1, '.png', 'sketch', 'h'))
    write_list(osp.join(d, 'png_ready_filelist_zero.txt.gz'),
               tree.listed('png_ready', TU_UNSEEN, 2, '.png', 'sketch', 'z'))
    write_list(
        osp.join(d, 'ImageResized_ready_filelist_zero.txt.gz'),
        tree.listed('ImageResized_ready', TU_UNSEEN, 3, '.JPEG', 'photo',
                    'z'))
    # seen photos: no official list, scanned from the folders
    tree.listed('ImageResized_ready', TU_SEEN, 5, '.JPEG', 'photo')
    # not images / not listed: ignored
    for c in TU_SEEN:
        open(osp.join(tree.root, 'ImageResized_ready', c, 'Thumbs.db'),
             'w').close()
    tree.files('ImageResized_ready', 'banana', 1, '.JPEG', 'photo', 'stray')
    return tree


def test_tuberlin(tuberlin):
    t = tuberlin
    kw = dict(data_root=t.root, split_root=t.split_root)
    train = TUBerlinExtended(subset='train', **kw)
    val = TUBerlinExtended(subset='val', **kw)
    test = TUBerlinExtended(subset='test', **kw)
    # sketches from the lists (a space in folder names: split at the LAST
    # space); photos: 5 per seen class scanned, 1 held out per class
    assert count(train) == {'sketch': 12, 'photo': 12}
    assert count(val) == {'sketch': 3, 'photo': 3}
    assert count(test) == {'sketch': 4, 'photo': 6}
    for ds in (train, val, test):
        assert_consistent(ds, t.root)
    assert train.metainfo['classes'] == tuple(TU_SEEN)
    assert all('stray' not in d['img_path'] for d in infos(test))
    assert all(d['img_path'].endswith(('.png', '.JPEG'))
               for d in infos(train))


def test_tuberlin_generalized(tuberlin):
    t = tuberlin
    gen = TUBerlinExtended(
        data_root=t.root, split_root=t.split_root, subset='test',
        generalized=True)
    c = Counter((d['modality'], d['is_seen']) for d in infos(gen))
    assert c == {('sketch', False): 4, ('photo', False): 6,
                 ('sketch', True): 1, ('photo', True): 1}
    assert_consistent(gen, t.root)


# ------------------------------------------------------------- QuickDraw
def test_quickdraw(tree):
    seen, unseen = ['teapot', 'bee', 'swan'], ['bat', 'palm tree']
    d = osp.join(tree.split_root, 'quickdraw_ext_30')
    write_classes(osp.join(d, 'seen_classes.txt'), seen)
    write_classes(osp.join(d, 'unseen_classes.txt'), unseen)
    write_list(osp.join(d, 'sketch_zero.txt.gz'),
               tree.listed('sketches', unseen, 3, '.png', 'sketch'))
    write_list(osp.join(d, 'all_photo_zero.txt.gz'),
               tree.listed('images', unseen, 2, '.jpg', 'photo'))
    tree.listed('sketches', seen, 10, '.png', 'sketch')
    tree.listed('images', seen, 6, '.jpg', 'photo')
    kw = dict(data_root=tree.root, split_root=tree.split_root)
    train = QuickDrawExtended(subset='train', **kw)
    val = QuickDrawExtended(subset='val', **kw)
    test = QuickDrawExtended(subset='test', **kw)
    # train lists missing: scanned, floor(0.1 n + .5) held out per class
    assert count(train) == {'sketch': 27, 'photo': 15}
    assert count(val) == {'sketch': 3, 'photo': 3}
    assert count(test) == {'sketch': 6, 'photo': 4}
    for ds in (train, val, test):
        assert_consistent(ds, tree.root)
    assert test.metainfo['classes'] == ('bat', 'palm tree')


# ------------------------------------------------------------- SEM-PCYC
def sempcyc_by_definition():
    """Worked out from the published definition (SEM-PCYC code): sorted
    class folder names, ``np.random.seed(0)``, ``np.random.choice(classes,
    100, replace=False)`` train, ``np.random.choice(setdiff1d(classes,
    train), 12, replace=False)`` val, the rest test."""
    names = []
    for f in ('seen_classes.txt', 'unseen_classes.txt'):
        with open(osp.join(SPLITS_ROOT, 'sketchy_ext_25', f)) as fh:
            names += fh.read().split()
    classes = sorted(names)
    assert len(classes) == 125
    state = np.random.get_state()
    try:
        np.random.seed(0)
        tr = np.random.choice(classes, int(0.8 * len(classes)),
                              replace=False)
        va = np.random.choice(
            np.setdiff1d(classes, tr), int(0.1 * len(classes)),
            replace=False)
        te = np.setdiff1d(classes, np.union1d(tr, va))
    finally:
        np.random.set_state(state)
    return sorted(tr.tolist()), sorted(va.tolist()), sorted(te.tolist())


SEMPCYC_UNSEEN = [
    'bear', 'bell', 'cannon', 'door', 'eyeglasses', 'geyser', 'guitar',
    'hamburger', 'jack-o-lantern', 'lobster', 'motorcycle', 'mushroom',
    'pear', 'racket', 'rhinoceros', 'saw', 'saxophone', 'spoon', 'squirrel',
    'tank', 'teapot', 'tiger', 'trumpet', 'violin', 'wheelchair'
]


def test_sempcyc_split(tree):
    tr, va, te = sempcyc_by_definition()
    assert (len(tr), len(va), len(te)) == (100, 12, 13)
    assert sorted(va + te) == SEMPCYC_UNSEEN
    # the SEM-PCYC qualitative results (bundled set README) show the
    # Sketchy classes pear, tank, lobster, spoon and guitar as unseen
    assert {'pear', 'tank', 'lobster', 'spoon', 'guitar'} <= set(va + te)
    all_classes = tr + va + te
    for d in (SK, PH):
        for c in all_classes:
            os.makedirs(osp.join(tree.root, d, c))
    for c in (tr[0], tr[1]):
        tree.files(SK, c, 10, '.png', 'sketch')
        tree.files(PH, c, 5, '.jpg', 'photo')
    for c in (va[0], te[0]):
        tree.files(SK, c, 2, '.png', 'sketch')
        tree.files(PH, c, 3, '.jpg', 'photo')
    kw = dict(data_root=tree.root, split='sketchy_sempcyc')
    test = SketchyExtended(subset='test', **kw)
    assert list(test.metainfo['classes']) == sorted(va + te)
    assert list(test.metainfo['seen_classes']) == tr
    assert count(test) == {'sketch': 4, 'photo': 6}
    train = SketchyExtended(subset='train', **kw)
    val = SketchyExtended(subset='val', **kw)
    assert count(train) == {'sketch': 18, 'photo': 8}
    assert count(val) == {'sketch': 2, 'photo': 2}
    for ds in (train, val, test):
        assert_consistent(ds, tree.root)


# ------------------------------------------------ the shipped official lists
def _lines(split, name):
    with gzip.open(osp.join(SPLITS_ROOT, split, name), 'rt') as f:
        return [ln.rsplit(' ', 1) for ln in f.read().splitlines() if ln]


def _empty_tree(root, split, dirs):
    names = []
    for f in ('seen_classes.txt', 'unseen_classes.txt'):
        with open(osp.join(SPLITS_ROOT, split, f)) as fh:
            names += [ln.strip() for ln in fh if ln.strip()]
    for d in dirs:
        for c in names:
            os.makedirs(osp.join(root, d, c))


def test_shipped_sketchy25_lists(tmp_path):
    """Official counts (splits README) on a tree of empty class folders:
    lists are not checked against the disk at load time."""
    root = str(tmp_path)
    _empty_tree(root, 'sketchy_ext_25', (SK, PH))
    kw = dict(data_root=root, serialize_data=False)
    test = SketchyExtended(subset='test', **kw)
    assert count(test) == {'sketch': 15229, 'photo': 17101}
    assert len(test.metainfo['classes']) == 25
    classes = test.metainfo['classes']
    assert all(classes[d['gt_label']] == d['class_name'] ==
               d['img_path'].split('/')[-2] for d in test.data_list)
    val = SketchyExtended(subset='val', modality='sketch', **kw)
    assert len(val) == 5000
    train = SketchyExtended(subset='train', modality='sketch', **kw)
    assert len(train) == 55252
    # val photos: floor(0.1 n + .5) of each class of the train photo list
    per_class = Counter(c for _, c in _lines('sketchy_ext_25',
                                             PH_LIST.format('train')))
    expected = sum(int(np.floor(0.1 * n + 0.5)) for n in per_class.values())
    val_ph = SketchyExtended(subset='val', modality='photo', **kw)
    assert len(val_ph) == expected
    assert not set(classes) & set(val_ph.metainfo['classes'])


@pytest.mark.parametrize('cls,split,dirs,sk,ph', [
    (SketchyExtended, 'sketchy_ext_21', (SK, PH), 12694, 12553),
    (TUBerlinExtended, 'tuberlin_ext_30', ('png_ready', 'ImageResized_ready'),
     2400, 27989),
    (QuickDrawExtended, 'quickdraw_ext_30', ('sketches', 'images'), 92291,
     54151),
])
def test_shipped_test_lists(tmp_path, cls, split, dirs, sk, ph):
    root = str(tmp_path)
    _empty_tree(root, split, dirs)
    ds = cls(data_root=root, split=split, subset='test',
             serialize_data=False)
    assert count(ds) == {'sketch': sk, 'photo': ph}
    unseen = ds.metainfo['classes']
    assert len(unseen) == {'sketchy_ext_21': 21}.get(split, 30)
    assert not set(unseen) & set(ds.metainfo['seen_classes'])


def test_shipped_tuberlin_sketch_lists(tmp_path):
    root = str(tmp_path)
    _empty_tree(root, 'tuberlin_ext_30', ('png_ready', 'ImageResized_ready'))
    kw = dict(data_root=root, modality='sketch', serialize_data=False)
    assert len(TUBerlinExtended(subset='train', **kw)) == 15400
    val = TUBerlinExtended(subset='val', **kw)
    assert len(val) == 2200
    assert len(val.metainfo['classes']) == 220
    # the held-out class names contain spaces ("alarm clock"): split at
    # the LAST space of each line
    assert 'alarm clock' in {d['class_name'] for d in val.data_list}


def test_write_list_helper_roundtrip(tmp_path):
    """The last-space rule of the list reader (also for spaces in names)."""
    from sketret.datasets.split_files import read_file_list
    p = str(tmp_path / 'l.txt.gz')
    write_list(p, [('png_ready/hot air balloon/8622.png', 14)])
    assert read_file_list(p) == [('png_ready/hot air balloon/8622.png', 14)]
    write_image(str(tmp_path / 'x.png'))
    bad = str(tmp_path / 'bad.txt')
    with open(bad, 'w') as f:
        f.write('no_id_here\n')
    with pytest.raises(ValueError, match='bad.txt:1'):
        read_file_list(bad)
