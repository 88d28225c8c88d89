# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""tools/analysis_tools/get_params.py: per-component parameter counts
checked against counts made here on the built model."""
import os
import os.path as osp
import re

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from sketret_testing import load_tool_module

from sketret.registry import MODELS

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DEMO = osp.join(REPO_ROOT, 'configs', 'bda-sketret',
                'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py')
OPTIONS = ['model.backbone.backbone.pretrained=False',
           'model.backbone.backbone.frozen_stages=3']


def load_tool():
    return load_tool_module('analysis_tools', 'get_params.py')


def parse_table(text):
    """``{component: (trainable, frozen, total)}`` from the printed
    table."""
    rows = {}
    for line in text.splitlines():
        match = re.fullmatch(
            r'\| (\S+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \|', line)
        if match:
            rows[match.group(1)] = tuple(
                int(match.group(i).replace(',', '')) for i in (2, 3, 4))
    return rows


def count(params):
    params = list(params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    frozen = sum(p.numel() for p in params if not p.requires_grad)
    return trainable, frozen, trainable + frozen


def test_get_params_on_the_demo_config(tool):
    proc = tool('analysis_tools/get_params.py', DEMO, '--cfg-options',
                *OPTIONS)
    rows = parse_table(proc.stdout)

    cfg = Config.fromfile(DEMO)
    cfg.merge_from_dict({'model.backbone.backbone.pretrained': False,
                         'model.backbone.backbone.frozen_stages': 3})
    model = MODELS.build(cfg.model)
    expected = {
        'backbone.sketch': count(model.backbone.sketch.parameters()),
        'backbone.photo': count(model.backbone.photo.parameters()),
        'encoders': count(model.encoders.parameters()),
        'head': count(model.head.parameters()),
        'spatial_discriminator': count(
            model.spatial_discriminator.parameters()),
        '**total**': count(model.parameters()),
    }
    assert rows == expected
    # frozen stages 0-3 of both streams are counted as frozen
    assert rows['backbone.sketch'][1] > 0
    assert rows['encoders'][1] == 0
    total = rows['**total**'][2]
    assert f'{total / 1e6:.2f} M parameters' in proc.stdout


def test_parameter_table_depth_tied_and_own_parameters():
    tool = load_tool()

    class Net(nn.Module):

        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(3))
            self.a = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 4))
            self.b = nn.Linear(2, 3)
            self.b.weight = self.a[0].weight  # tied: counted once, in `a`
            self.b.bias.requires_grad_(False)

    net = Net()
    # a: Linear(2, 3) 6 + 3, Linear(3, 4) 12 + 4; b: its own bias only
    assert tool.parameter_table(net) == [
        ('scale', 3, 0), ('a', 25, 0), ('b', 0, 3)]
    assert tool.parameter_table(net, depth=2) == [
        ('scale', 3, 0), ('a.0', 9, 0), ('a.1', 16, 0), ('b', 0, 3)]
    text = tool.format_table(tool.parameter_table(net))
    assert '| **total** | 28 | 3 | 31 |' in text


def test_get_params_sake_config_shared_backbone(tool):
    proc = tool('analysis_tools/get_params.py',
                osp.join(REPO_ROOT, 'configs', 'sake',
                         'sake_efficientnet-lite0_1xb32_sbir-mini.py'),
                '--cfg-options', 'model.backbone.backbone.pretrained=False',
                'model.teacher.pretrained=False')
    rows = parse_table(proc.stdout)
    assert set(rows) == {'domain_scale', 'domain_bias', 'backbone.shared',
                         'neck', 'cls_head', '**total**'}
    assert rows['domain_scale'] == (2 * 1280, 0, 2 * 1280)


@pytest.mark.parametrize('args, message', [
    (['no/such.py'], 'Config file "no/such.py" does not exist'),
    ([DEMO, '--cfg-options', 'model.backbone.backbone.pretraind=False'],
     'Did you mean: pretrained'),
])
def test_get_params_bad_input(tool, args, message):
    proc = tool('analysis_tools/get_params.py', *args, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert 'Traceback' not in proc.stderr
