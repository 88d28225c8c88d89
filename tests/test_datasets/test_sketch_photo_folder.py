# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""SketchPhotoFolder on synthetic trees, and the bundled real set."""
import json
import os
import os.path as osp
from collections import Counter

import pytest
from sbir_synth import write_image

from sketret.datasets import (
    CorruptImageError,
    SBIRMini,
    SketchPhotoFolder,
    get_asset_path,
)
from sketret.registry import DATASETS

MINI_SEEN = ['lobster', 'spoon', 'tank', 'dolphin', 'truck', 'traffic_light']
MINI_UNSEEN = ['pear', 'guitar', 'umbrella', 'hedgehog']


def infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def count(ds):
    return Counter(d['modality'] for d in infos(ds))


# ------------------------------------------------------------- bundled set
def test_bundled_set_counts_from_its_readme():
    """README: 552 sketches, 186 photos, 23 distractors; 6 seen / 4 unseen.
    """
    with open(get_asset_path('sbir-mini', 'README.md')) as f:
        readme = f.read()
    assert '| **total** | | 12 | 540 | 186 |' in readme
    assert 'Distractors: 23 photos' in readme
    per_subset = {
        s: SBIRMini(subset=s, modality='both')
        for s in ('train', 'val', 'test')
    }
    train, val, test = (per_subset[s] for s in ('train', 'val', 'test'))
    assert list(train.metainfo['classes']) == MINI_SEEN
    assert list(test.metainfo['classes']) == MINI_UNSEEN
    sketches = sum(count(ds)['sketch'] for ds in per_subset.values())
    labelled_photos = sum(
        1 for ds in per_subset.values() for d in infos(ds)
        if d['modality'] == 'photo' and d['gt_label'] >= 0)
    distractors = [d for d in infos(test) if d['gt_label'] == -1]
    assert sketches == 552
    assert labelled_photos == 186
    assert len(distractors) == 23
    assert all(d['class_name'] is None and d['modality'] == 'photo'
               for d in distractors)
    # seen/unseen per class, from the README table
    per_class = Counter((d['class_name'], d['modality'])
                        for ds in per_subset.values() for d in infos(ds))
    assert per_class[('tank', 'sketch')] == 1
    assert per_class[('pear', 'sketch')] == 62
    assert per_class[('truck', 'photo')] == 21
    assert {d['class_name'] for d in infos(train) + infos(val)} == set(
        MINI_SEEN)
    assert {d['class_name'] for d in infos(test)} - {None} == set(MINI_UNSEEN)
    # default val_ratio 0.2: 60 + 23 held out, never unseen classes
    assert count(val) == {'sketch': 60, 'photo': 23}
    assert count(test) == {'sketch': 245, 'photo': 97}
    assert not {d['img_path'] for d in infos(train)} & {
        d['img_path'] for d in infos(val)}


def test_bundled_set_generalized():
    gen = SBIRMini(subset='test', generalized=True)
    c = Counter((d['modality'], d['is_seen']) for d in infos(gen))
    # 20 % of 245 unseen sketches = 49; of 74 unseen photos = 15
    assert c == {('sketch', False): 245, ('sketch', True): 49,
                 ('photo', False): 74 + 23, ('photo', True): 15}
    assert list(gen.metainfo['classes']) == MINI_UNSEEN + MINI_SEEN
    held = {d['img_path'] for d in infos(SBIRMini(subset='val'))}
    assert all(d['img_path'] in held for d in infos(gen) if d['is_seen'])


def test_bundled_set_registry_and_sketch_labels_agree_with_photo_labels():
    sk = DATASETS.build(dict(type='SBIRMini', subset='test',
                             modality='sketch'))
    ph = DATASETS.build(dict(type='SBIRMini', subset='test',
                             modality='photo'))
    assert sk.metainfo['classes'] == ph.metainfo['classes']
    assert len(sk) == 245 and len(ph) == 97


# ---------------------------------------------------------- user folders
def make_folder(root, n_sketch=3, n_photo=2, classes=('cat', 'dog', 'owl'),
                distractors=2):
    for c in classes:
        for i in range(n_sketch):
            write_image(osp.join(root, 'sketch', c, f's{i}.png'), 'sketch')
        for i in range(n_photo):
            write_image(osp.join(root, 'photo', c, f'p{i}.jpg'), 'photo')
    for i in range(distractors):
        write_image(osp.join(root, 'distractor', f'd{i}.jpg'), 'photo')
    return str(root)


def test_folder_without_split_is_all_unseen(tmp_path):
    root = make_folder(tmp_path)
    os.makedirs(osp.join(root, 'sketch', '.hidden'))  # a folder, no images
    ds = SketchPhotoFolder(data_root=root, subset='test')
    assert ds.metainfo['classes'] == ('cat', 'dog', 'owl')  # no hidden
    ds = SketchPhotoFolder(
        data_root=root, subset='test', split=None, modality='sketch')
    assert count(ds) == {'sketch': 9}
    with pytest.raises(ValueError, match='no seen classes'):
        SketchPhotoFolder(data_root=root, subset='train')


def test_folder_with_split_json(tmp_path):
    root = make_folder(tmp_path, n_sketch=10, n_photo=5)
    with open(osp.join(root, 'split.json'), 'w') as f:
        json.dump({'seen': ['Owl', 'cat'], 'unseen': ['dog']}, f)
    train = SketchPhotoFolder(data_root=root, subset='train')
    val = SketchPhotoFolder(data_root=root, subset='val')
    test = SketchPhotoFolder(data_root=root, subset='test')
    assert train.metainfo['classes'] == ('Owl', 'cat')  # split spelling
    assert count(train) == {'sketch': 18, 'photo': 8}
    assert count(val) == {'sketch': 2, 'photo': 2}
    assert count(test) == {'sketch': 10, 'photo': 7}
    assert train.metainfo['split'] == 'split.json'
    labels = {d['class_name']: d['gt_label'] for d in infos(train)}
    assert labels == {'Owl': 0, 'cat': 1}
    assert all(d['gt_label'] in (0, -1) for d in infos(test))


def test_folder_split_dict_and_unmatched_folders(tmp_path):
    root = make_folder(tmp_path)
    ds = SketchPhotoFolder(
        data_root=root, subset='test', split=dict(seen=['cat'],
                                                  unseen=['dog']))
    assert ds.metainfo['classes'] == ('dog', )
    assert ds.unmatched_folders() == ['owl']


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='Expected tree'):
        SketchPhotoFolder(data_root=str(tmp_path / 'none'), subset='test')
    root = make_folder(tmp_path / 'a')
    with pytest.raises(FileNotFoundError, match='nope.json'):
        SketchPhotoFolder(data_root=root, subset='test', split='nope.json')
    with pytest.raises(FileNotFoundError, match="'cow'"):
        SketchPhotoFolder(
            data_root=root, subset='test',
            split=dict(seen=['cat'], unseen=['cow', 'dog']))
    with pytest.raises(ValueError, match='both seen and unseen'):
        SketchPhotoFolder(
            data_root=root, subset='test',
            split=dict(seen=['cat'], unseen=['Cat']))
    with open(osp.join(root, 'bad.json'), 'w') as f:
        f.write('{"seen": [')
    with pytest.raises(ValueError, match='not valid JSON'):
        SketchPhotoFolder(data_root=root, subset='test', split='bad.json')


# ------------------------------------------------------------ corrupt files
def corrupt_tree(tmp_path):
    root = make_folder(tmp_path, n_sketch=4, distractors=0)
    bad = osp.join(root, 'sketch', 'cat', 's1.png')
    with open(bad, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n not really a png')
    return root, bad


PIPE = [dict(type='LoadSBIRImage'), dict(type='PackSBIRInputs')]


def test_corrupt_image_error_names_file(tmp_path):
    root, bad = corrupt_tree(tmp_path)
    ds = SketchPhotoFolder(data_root=root, subset='test', pipeline=PIPE)
    idx = [i for i, d in enumerate(infos(ds)) if d['img_path'] == bad][0]
    with pytest.raises(CorruptImageError, match='s1.png'):
        ds[idx]
    with pytest.raises(CorruptImageError, match='s1.png'):
        SketchPhotoFolder(data_root=root, subset='test', verify_files=True)


def test_corrupt_image_skip_at_load_time(tmp_path):
    root, bad = corrupt_tree(tmp_path)
    split = dict(seen=['cat', 'dog'], unseen=['owl'])
    ds = SketchPhotoFolder(data_root=root, subset='train', split=split,
                           val_ratio=0, on_corrupt='skip', pipeline=PIPE)
    assert len(ds) == 12  # not verified up front for training
    idx = [i for i, d in enumerate(infos(ds)) if d['img_path'] == bad][0]
    out = ds[idx]  # replaced by another sketch of the same class
    assert out['data_samples'].class_name == 'cat'
    assert out['data_samples'].modality == 'sketch'
    assert out['data_samples'].img_path != bad
    assert ds.num_skipped == 1 and ds.skipped_files[0][0] == bad
    # the replacement names the file it stands in for (for the count in
    # the main process), every time the bad sample is drawn; the process
    # records the file once
    reason = ds.skipped_files[0][1]
    assert 's1.png' in reason
    for _ in range(2):
        out = ds[idx]
        assert out['data_samples'].replaced_files == ((bad, reason), )
    assert ds.num_skipped == 1
    good = [i for i, d in enumerate(infos(ds)) if d['img_path'] != bad][0]
    assert 'replaced_files' not in ds[good]['data_samples']


def test_corrupt_image_skip_in_eval_subsets_is_verified(tmp_path):
    root, bad = corrupt_tree(tmp_path)
    ds = SketchPhotoFolder(data_root=root, subset='test', on_corrupt='skip',
                           pipeline=PIPE)
    assert len(ds) == 11 + 6
    assert ds.num_skipped == 1 and ds.skipped_files[0][0] == bad
    assert bad not in {d['img_path'] for d in infos(ds)}
    # a truncated JPEG: the header reads, decoding fails
    photo = osp.join(root, 'photo', 'dog', 'p0.jpg')
    with open(photo, 'rb') as f:
        data = f.read()
    with open(photo, 'wb') as f:
        f.write(data[:len(data) // 2])
    ds = SketchPhotoFolder(data_root=root, subset='test', on_corrupt='skip')
    assert sorted(p for p, _ in ds.skipped_files) == sorted([bad, photo])
    assert len(ds) == 11 + 5


def test_eval_subset_never_substitutes_a_sample(tmp_path):
    """A file of a verified test set that breaks later raises, naming it
    (a substitute would change the metric)."""
    root = make_folder(tmp_path, n_sketch=4, distractors=0)
    ds = SketchPhotoFolder(data_root=root, subset='test', on_corrupt='skip',
                           pipeline=PIPE)
    assert ds.num_skipped == 0
    path = ds.get_data_info(0)['img_path']
    with open(path, 'wb') as f:
        f.write(b'broken later')
    with pytest.raises(CorruptImageError, match=osp.basename(path)):
        ds[0]


def test_missing_file_at_load_time(tmp_path):
    root = make_folder(tmp_path)
    ds = SketchPhotoFolder(data_root=root, subset='test', pipeline=PIPE)
    os.remove(osp.join(root, 'sketch', 'cat', 's0.png'))
    with pytest.raises(FileNotFoundError, match='s0.png'):
        ds[0]
