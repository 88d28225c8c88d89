# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The paper-style configs start from the ImageNet checkpoints that
mmpretrain publishes, and loading them through ``init_cfg`` fills both
streams. Nothing is downloaded: the URLs are compared with mmpretrain's
model index, and loading is checked with a local checkpoint of the
published key layout."""
import glob
import logging
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from sketret.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
VGG16_CONFIGS = [osp.join(REPO, 'configs', 'bda_sketchy.py')] + sorted(
    glob.glob(osp.join(REPO, 'configs', 'bda-sketret', '*vgg16*.py')))
RESNET50_BASE = osp.join(REPO, 'configs', '_base_', 'models',
                         'bda-sketret_resnet50.py')


def _published(collection, name):
    """Weights URL and backbone config of an mmpretrain model-zoo entry,
    read from the metafile of the installed mmpretrain."""
    import mmpretrain
    import yaml
    mim = osp.join(osp.dirname(mmpretrain.__file__), '.mim')
    with open(osp.join(mim, 'configs', collection, 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']
    entry = next(m for m in models if m['Name'] == name)
    config = Config.fromfile(osp.join(mim, entry['Config']))
    return entry['Weights'], config.model.backbone


def test_vgg16_configs_were_found():
    names = [osp.basename(p) for p in VGG16_CONFIGS]
    assert 'bda_sketchy.py' in names
    assert 'bda-sketret_vgg16_1xb64_sketchy-ext-25.py' in names
    assert len(names) >= 5  # the four benchmarks and bda_sketchy.py


@pytest.mark.parametrize(
    'path', VGG16_CONFIGS + [RESNET50_BASE],
    ids=[osp.basename(p) for p in VGG16_CONFIGS + [RESNET50_BASE]])
def test_paper_config_names_the_published_imagenet_checkpoint(path):
    if 'resnet50' in path:
        url, zoo_backbone = _published('resnet', 'resnet50_8xb32_in1k')
    else:
        url, zoo_backbone = _published('vgg', 'vgg16_8xb32_in1k')
    backbone = Config.fromfile(path).model.backbone.backbone
    assert backbone.init_cfg == dict(
        type='Pretrained', checkpoint=url, prefix='backbone.')
    # the architecture the checkpoint was trained with (VGG-16 without BN,
    # ResNet-50)
    assert backbone.type == 'mmpretrain.' + zoo_backbone.type
    assert backbone.depth == zoo_backbone.depth
    assert backbone.get('norm_cfg') == zoo_backbone.get('norm_cfg')


def test_init_cfg_loads_a_checkpoint_of_the_published_layout(tmp_path):
    """Both VGG-16 streams of the paper config get the ``backbone.*``
    weights of an mmpretrain ImageClassifier checkpoint; its classifier is
    left out; the log says what was loaded."""
    from mmpretrain.models import VGG
    torch.manual_seed(0)
    imagenet = VGG(depth=16)  # torch's default init: random weights
    # the published file: {'meta', 'state_dict'} of an ImageClassifier
    # (a stand-in for the 4096-wide classifier keeps the file small)
    state = {f'backbone.{k}': v for k, v in imagenet.state_dict().items()}
    state['backbone.classifier.6.weight'] = torch.zeros(1000, 4)
    ckpt = tmp_path / 'vgg16_imagenet.pth'
    torch.save(dict(meta=dict(), state_dict=state), ckpt)

    cfg = Config.fromfile(VGG16_CONFIGS[0])
    cfg.model.backbone.backbone.init_cfg.checkpoint = str(ckpt)
    model = MODELS.build(cfg.model)
    logger = MMLogger.get_current_instance()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        model.init_weights()
    finally:
        logger.removeHandler(handler)

    expected = imagenet.state_dict()
    for stream in ('sketch', 'photo'):
        got = model.backbone.get_backbone(stream).state_dict()
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            assert torch.equal(got[key], value), (stream, key)
    messages = [r.getMessage() for r in records]
    assert sum(f'load backbone. in model from: {ckpt}' in m
               for m in messages) == 2
