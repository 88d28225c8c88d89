# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

from sketret.models import (
    EfficientNetLite0,
    SBIRDataPreprocessor,
    TwoStreamBackbone,
    convert_lukemelas_state_dict,
    wheel_checkpoint_path,
)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PHOTOS = osp.join(REPO, 'sketret', 'assets', 'sbir-mini', 'photo')
IMAGENET_MEAN = [123.675, 116.28, 103.53]
IMAGENET_STD = [58.395, 57.12, 57.375]


@pytest.fixture(scope='module')
def wheel_state_dict():
    return torch.load(wheel_checkpoint_path(), map_location='cpu',
                      weights_only=True)


@pytest.fixture(scope='module')
def imagenet_net():
    net = EfficientNetLite0(pretrained=True, with_classifier=True)
    net.eval()
    return net


def converter_args(net):
    return dict(
        target=net.state_dict(),
        stage_depths=[len(s) for s in net.blocks],
        block_kinds=net._block_kinds())


# ------------------------------------------------- EfficientNet-Lite0
def test_every_wheel_tensor_is_used_exactly_once(wheel_state_dict,
                                                 imagenet_net):
    source = wheel_state_dict
    assert len(source) == 296
    converted = convert_lukemelas_state_dict(source,
                                             **converter_args(imagenet_net))
    assert set(converted) == set(imagenet_net.state_dict())
    # The converted values are the source tensor objects, each used once.
    assert sorted(map(id, converted.values())) == sorted(
        map(id, source.values()))
    # Spot checks of the by-name mapping (first, an expanded, last block).
    pairs = {
        '_conv_stem.weight': 'conv_stem.weight',
        '_bn0.running_var': 'bn1.running_var',
        '_blocks.0._depthwise_conv.weight': 'blocks.0.0.conv_dw.weight',
        '_blocks.0._project_conv.weight': 'blocks.0.0.conv_pw.weight',
        '_blocks.3._expand_conv.weight': 'blocks.2.0.conv_pw.weight',
        '_blocks.3._bn1.weight': 'blocks.2.0.bn2.weight',
        '_blocks.15._project_conv.weight': 'blocks.6.0.conv_pwl.weight',
        '_conv_head.weight': 'conv_head.weight',
        '_bn1.bias': 'bn2.bias',
        '_fc.weight': 'classifier.weight',
    }
    loaded = imagenet_net.state_dict()
    for src, dst in pairs.items():
        assert converted[dst] is source[src]
        assert torch.equal(loaded[dst], source[src])


def test_mapping_names_the_offending_keys(wheel_state_dict, imagenet_net):
    args = converter_args(imagenet_net)
    extra = dict(wheel_state_dict)
    extra['_blocks.16._bn0.weight'] = torch.zeros(3)
    with pytest.raises(ValueError, match=r'_blocks\.16\._bn0\.weight'):
        convert_lukemelas_state_dict(extra, **args)
    missing = dict(wheel_state_dict)
    del missing['_blocks.7._bn2.bias']
    with pytest.raises(ValueError, match=r'blocks\.3\.2\.bn3\.bias'):
        convert_lukemelas_state_dict(missing, **args)
    wrong = dict(wheel_state_dict)
    wrong['_conv_head.weight'] = torch.zeros(1280, 320, 3, 3)
    with pytest.raises(ValueError, match='shape mismatches.*_conv_head'):
        convert_lukemelas_state_dict(wrong, **args)
    # Without the classifier, _fc is dropped on purpose, nothing else.
    net = EfficientNetLite0(pretrained=False)
    out = convert_lukemelas_state_dict(
        wheel_state_dict, **converter_args(net), ignore_prefixes=('_fc.', ))
    assert len(out) == 296 - 2


def load_photo(path, size=224):
    img = Image.open(path).convert('RGB').resize((size, size),
                                                 Image.BILINEAR)
    return torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1)


@pytest.mark.parametrize('relpath, imagenet_class', [
    ('guitar/imagenet_n02676566_acoustic_guitar.jpg', 402),
    ('umbrella/imagenet_n04507155_umbrella.jpg', 879),
])
def test_imagenet_logits_of_real_photos(imagenet_net, relpath,
                                        imagenet_class):
    pre = SBIRDataPreprocessor(mean=IMAGENET_MEAN, std=IMAGENET_STD)
    x = pre(dict(inputs=[load_photo(osp.join(PHOTOS, relpath))]))['inputs']
    with torch.no_grad():
        logits = imagenet_net.imagenet_logits(x)
    assert logits.shape == (1, 1000)
    assert imagenet_class in logits.topk(5).indices[0].tolist()


def test_efficientnet_outputs_and_errors():
    net = EfficientNetLite0(pretrained=False, out_indices=(3, -1))
    net.eval()
    outs = net(torch.zeros(2, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(2, 40, 8, 8), (2, 1280, 2, 2)]
    assert net.out_channels == (40, 1280)
    with pytest.raises(ValueError, match='does not exist'):
        EfficientNetLite0(pretrained=False, out_indices=(9, ))
    with pytest.raises(ValueError, match='does not exist'):
        EfficientNetLite0(pretrained=False, frozen_stages=9)
    with pytest.raises(RuntimeError, match='with_classifier=True'):
        net.imagenet_logits(torch.zeros(1, 3, 32, 32))


def test_efficientnet_frozen_stages_and_norm_eval():
    net = EfficientNetLite0(pretrained=False, frozen_stages=1,
                            norm_eval=True)
    net.train()
    assert not any(p.requires_grad for p in net.conv_stem.parameters())
    assert not any(p.requires_grad for p in net.blocks[0].parameters())
    assert all(p.requires_grad for p in net.blocks[1].parameters())
    assert not net.bn1.training and not net.blocks[0][0].bn1.training
    assert not net.bn2.training  # norm_eval
    assert net.training


# ------------------------------------------------------- two streams
def resnet18():
    return dict(type='mmpretrain.ResNet', depth=18)


def test_two_stream_backbone_unshared_and_shared():
    two = TwoStreamBackbone(backbone=resnet18())
    assert two.out_channels == 512
    sk, ph = two.get_backbone('sketch'), two.get_backbone('photo')
    assert sk is not ph
    assert not set(map(id, sk.parameters())) & set(map(id, ph.parameters()))
    x = torch.randn(2, 3, 32, 32)
    two.eval()
    assert two(x, 'sketch')[-1].shape == (2, 512, 1, 1)
    assert not torch.allclose(two(x, 'sketch')[-1], two(x, 'photo')[-1])

    shared = TwoStreamBackbone(backbone=resnet18(), share_backbone=True)
    shared.eval()
    assert shared.get_backbone('sketch') is shared.get_backbone('photo')
    assert torch.equal(shared(x, 'sketch')[-1], shared(x, 'photo')[-1])
    n_two = sum(p.numel() for p in two.parameters())
    n_shared = sum(p.numel() for p in shared.parameters())
    assert n_two == 2 * n_shared
    with pytest.raises(ValueError, match='modality'):
        shared(x, 'drawing')


def test_two_stream_backbone_copies_pretrained_weights():
    two = TwoStreamBackbone(backbone=dict(type='EfficientNetLite0'))
    assert two.out_channels == 1280
    assert torch.equal(two.sketch.conv_head.weight,
                       two.photo.conv_head.weight)
    assert two.sketch.conv_head.weight is not two.photo.conv_head.weight


def test_two_stream_backbone_vgg_and_bad_out_indices():
    vgg = TwoStreamBackbone(
        backbone=dict(type='mmpretrain.VGG', depth=11, out_indices=(4, )),
        share_backbone=True, out_channels=512)
    assert vgg.out_channels == 512
    with pytest.raises(ValueError, match='Could not build the backbone'):
        TwoStreamBackbone(backbone=dict(
            type='mmpretrain.ResNet', depth=18, out_indices=(4, )))
    with pytest.raises(ValueError, match='no spatial map'):
        # VGG without classifier has stages 0..4: index 5 returns nothing.
        TwoStreamBackbone(
            backbone=dict(type='mmpretrain.VGG', depth=11, out_indices=(5, )),
            share_backbone=True)
    with pytest.raises(ValueError, match='out_channels=256'):
        TwoStreamBackbone(backbone=resnet18(), share_backbone=True,
                          out_channels=256)
