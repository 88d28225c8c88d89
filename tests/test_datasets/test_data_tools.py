# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""check_dataset / build_class_vectors / browse_dataset and the dataset
base configs."""
import json
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image
from sbir_synth import write_image, write_list
from sketret_testing import load_tool_module

from sketret.registry import DATASETS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG_DIR = osp.join(REPO, 'configs', '_base_', 'datasets')


def load_tool(rel):
    return load_tool_module(*rel.split('/'))


# ----------------------------------------------------------- check_dataset
def test_check_dataset_ok_on_bundled_set(tool):
    proc = tool('misc/check_dataset.py',
                osp.join(CFG_DIR, 'sbir_mini.py'), '--class-vectors',
                'word2vec-sbir-mini')
    assert proc.returncode == 0
    out = proc.stdout
    assert 'total: 245 sketches, 74 photos, 23 distractors' in out
    assert 'total: 247 sketches, 89 photos' in out  # train
    assert 'OK: no problem found.' in out


def make_broken_folder(root):
    for c in ('cat', 'dog'):
        for i in range(3):
            write_image(osp.join(root, 'sketch', c, f's{i}.png'), 'sketch')
            write_image(osp.join(root, 'photo', c, f'p{i}.jpg'), 'photo')
    with open(osp.join(root, 'photo', 'dog', 'p1.jpg'), 'wb') as f:
        f.write(b'garbage')
    with open(osp.join(root, 'split.json'), 'w') as f:
        json.dump({'seen': ['cat'], 'unseen': ['dog']}, f)
    return root


def test_check_dataset_fails_on_broken_tree(tool, tmp_path):
    root = make_broken_folder(str(tmp_path))
    proc = tool('misc/check_dataset.py', '--dataset', 'SketchPhotoFolder',
                '--data-root', root, '--class-vectors', 'word2vec-sketchy',
                check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert '1 corrupt file(s)' in out and 'p1.jpg' in out
    # 'dog' and 'cat' are in the Sketchy word2vec file: no vector problem
    assert 'without a vector' not in out
    assert 'FAILED' in out


def test_check_dataset_in_process_cases(tmp_path, capsys):
    check = load_tool('misc/check_dataset.py')
    # a class in the split with no folder, and vectors missing
    root = make_broken_folder(str(tmp_path / 'a'))
    with open(osp.join(root, 'split.json'), 'w') as f:
        json.dump({'seen': ['cat'], 'unseen': ['dog', 'unicorn']}, f)
    assert check.main(['--dataset', 'SketchPhotoFolder', '--data-root',
                       root, '--subsets', 'test']) == 1
    assert "['unicorn']" in capsys.readouterr().out
    ok = str(tmp_path / 'b')
    for c in ('cat', 'zorblax'):
        write_image(osp.join(ok, 'sketch', c, 's.png'), 'sketch')
        write_image(osp.join(ok, 'photo', c, 'p.jpg'), 'photo')
    assert check.main(['--dataset', 'SketchPhotoFolder', '--data-root', ok,
                       '--quick']) == 0
    assert check.main(['--dataset', 'SketchPhotoFolder', '--data-root', ok,
                       '--class-vectors', 'word2vec-sketchy']) == 1
    assert "['zorblax']" in capsys.readouterr().out
    # a listed file missing from a benchmark tree
    data, splits = str(tmp_path / 'qd'), str(tmp_path / 'splits')
    d = osp.join(splits, 'quickdraw_ext_30')
    for f, names in (('seen_classes.txt', ['bee']),
                     ('unseen_classes.txt', ['bat'])):
        with open(osp.join(_mk(d), f), 'w') as fh:
            fh.write('\n'.join(names))
    write_image(osp.join(data, 'sketches', 'bat', '1.png'), 'sketch')
    write_image(osp.join(data, 'images', 'bat', 'a.jpg'), 'photo')
    write_list(osp.join(d, 'sketch_zero.txt.gz'),
               [('sketches/bat/1.png', 0), ('sketches/bat/2.png', 0)])
    write_list(osp.join(d, 'all_photo_zero.txt.gz'),
               [('images/bat/a.jpg', 0)])
    cfg = str(tmp_path / 'qd_cfg.py')
    with open(cfg, 'w') as f:
        f.write(f'test_dataloader = dict(dataset=dict(type='
                f"'QuickDrawExtended', data_root={data!r}, "
                f"split_root={splits!r}, subset='test'))\n")
    assert check.main([cfg]) == 1
    out = capsys.readouterr().out
    assert '1 missing file(s)' in out and '2.png' in out
    # missing root: the expected tree is shown
    assert check.main(['--dataset', 'TUBerlinExtended', '--data-root',
                       str(tmp_path / 'nothing'), '--subsets', 'test']) == 1
    out = capsys.readouterr().out
    assert 'png_ready/<class>' in out and 'docs/datasets.md' in out


def _mk(d):
    import os
    os.makedirs(d, exist_ok=True)
    return d


# ----------------------------------------------------- build_class_vectors
def test_build_class_vectors(tmp_path, capsys):
    build = load_tool('misc/build_class_vectors.py')
    out = str(tmp_path / 'v.npz')
    classes = tmp_path / 'classes.txt'
    classes.write_text('alarm clock\ntablelamp\n')
    assert build.main(['--classes', str(classes), '--provider',
                       'word2vec-tuberlin', '--out', out]) == 0
    with np.load(out) as d:
        assert d['names'].tolist() == ['alarm clock', 'tablelamp']
        assert d['vectors'].shape == (2, 300)
        assert d['vectors'].dtype == np.float32
    with pytest.raises(SystemExit) as e:  # refuses to overwrite
        build.main(['--classes', 'bus', '--provider', 'word2vec-tuberlin',
                    '--out', out])
    assert e.value.code == 2
    assert build.main(['--classes', 'bus,ufo,mars rover', '--provider',
                       'word2vec-tuberlin', '--out', out, '--force']) == 1
    assert "['ufo', 'mars rover']" in capsys.readouterr().err


# ---------------------------------------------------------- browse_dataset
def test_browse_dataset_saves_a_grid(tmp_path):
    browse = load_tool('visualization/browse_dataset.py')
    out = str(tmp_path / 'grid.png')
    assert browse.main([osp.join(CFG_DIR, 'sbir_mini.py'), '--out', out,
                        '--cols', '8']) == 0
    with Image.open(out) as img:
        # one training batch of the pair sampler: 32 tiles, 8 x 4
        assert img.size == (8 * 160, 4 * (160 + 28))
    out2 = str(tmp_path / 'test.png')
    assert browse.main(['--dataset', 'SBIRMini', '--subset', 'test',
                        '--num', '5', '--out', out2]) == 0
    with Image.open(out2) as img:
        assert img.size[1] == 160 + 28


# ----------------------------------------------------------------- configs
@pytest.mark.parametrize('name,dtype,root,split,metrics', [
    ('sbir_mini', 'SBIRMini', None, None, ['mAP@all', 'P@10']),
    ('sketchy_ext_25', 'SketchyExtended', 'data/Sketchy', 'sketchy_ext_25',
     ['mAP@all', 'P@100']),
    ('sketchy_ext_21', 'SketchyExtended', 'data/Sketchy', 'sketchy_ext_21',
     ['mAP@200', 'P@200']),
    ('tuberlin_ext_30', 'TUBerlinExtended', 'data/TUBerlin',
     'tuberlin_ext_30', ['mAP@all', 'P@100']),
    ('quickdraw_ext_30', 'QuickDrawExtended', 'data/QuickDraw',
     'quickdraw_ext_30', ['mAP@all', 'P@200']),
])
def test_dataset_base_configs(name, dtype, root, split, metrics):
    cfg = Config.fromfile(osp.join(CFG_DIR, f'{name}.py'))
    for sub in ('train', 'val', 'test'):
        loader = cfg[f'{sub}_dataloader']
        ds = loader['dataset']
        assert ds['type'] == dtype and ds['subset'] == sub
        assert ds['modality'] == 'both'
        assert ds.get('data_root') == root and ds.get('split') == split
    s = cfg.train_dataloader.sampler
    assert s.type == 'ClassBalancedPairSampler'
    assert cfg.train_dataloader.batch_size == s.classes_per_batch * (
        s.sketches_per_class + s.photos_per_class)
    assert cfg.train_dataloader.batch_sampler.type == \
        'ClassBalancedPairBatchSampler'
    for sub in ('val', 'test'):
        assert cfg[f'{sub}_dataloader'].sampler == dict(
            type='DefaultSampler', shuffle=False)
    assert cfg.val_evaluator == [dict(type='SBIRRetrievalMetric',
                                      metrics=metrics, preset='textbook')]
    assert cfg.test_evaluator == cfg.val_evaluator
    resize = [t for t in cfg.test_pipeline if t.type == 'mmcv.Resize'][0]
    assert resize.scale == (224, 224)
    assert cfg.train_pipeline[-1].type == cfg.test_pipeline[-1].type == \
        'PackSBIRInputs'
    # every transform type is buildable in the sketret scope
    from sketret.registry import TRANSFORMS
    for t in cfg.train_pipeline + cfg.test_pipeline:
        TRANSFORMS.build(t)
    if name == 'sbir_mini':
        assert len(DATASETS.build(cfg.val_dataloader.dataset)) == 83
