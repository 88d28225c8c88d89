# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""``--cfg-options`` checking: keys of the config, or arguments of the
registered type that receives them; "did you mean" for typos."""
import os.path as osp

import pytest
from mmengine.config import Config

from sketret.utils.config_utils import (
    check_cfg_options,
    constructor_args,
    load_config,
)

DEMO_CFG = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    'bda-sketret', 'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py')


class _Base:

    def __init__(self, a, b=1):
        pass


class _Child(_Base):

    def __init__(self, c=2, **kwargs):
        super().__init__(**kwargs)


class _Closed(_Base):

    def __init__(self, d=3):
        super().__init__(a=0)


def test_constructor_args_follow_kwargs_to_the_base_class():
    assert constructor_args(_Child) == {'a', 'b', 'c'}
    # no **kwargs: the base's arguments cannot be passed
    assert constructor_args(_Closed) == {'d'}
    assert constructor_args('NoSuchRegisteredType') is None


def test_constructor_args_of_registered_names():
    # SBIRMini(**kwargs) -> SketchPhotoFolder(distractor_dir, **kwargs)
    # -> BaseSBIRDataset(..., **kwargs) -> mmengine's BaseDataset
    args = constructor_args('SBIRMini')
    assert {'distractor_dir', 'sketch_dir', 'lazy_init'} <= args
    assert 'scale' in constructor_args('mmcv.Resize')


def test_option_left_at_its_default_is_accepted():
    cfg = load_config(DEMO_CFG, {
        'test_dataloader.dataset.distractor_dir': None,
        'model.backbone.backbone.frozen_stages': 6,
    })
    assert cfg.test_dataloader.dataset.distractor_dir is None
    assert cfg.test_dataloader.dataset.type == 'SBIRMini'
    assert cfg.model.backbone.backbone.frozen_stages == 6


def test_typo_is_refused_with_did_you_mean():
    cfg = Config.fromfile(DEMO_CFG)
    with pytest.raises(KeyError) as err:
        check_cfg_options(cfg, {'test_dataloader.dataset.distractor_di': 1})
    msg = err.value.args[0]
    assert 'nor an argument of its type SBIRMini' in msg
    assert 'Did you mean: distractor_dir?' in msg
    # a key without a type: only the config's keys count
    with pytest.raises(KeyError, match='Did you mean: max_epochs'):
        check_cfg_options(cfg, {'train_cfg.max_epoch': 1})


def test_type_changed_in_the_same_options():
    cfg = Config(dict(model=dict(type='_Nope', x=1)))
    with pytest.raises(KeyError, match='could not be read'):
        check_cfg_options(cfg, {'model.distractor_dir': 'd'})
    # the new type takes the argument
    check_cfg_options(cfg, {'model.type': 'SBIRMini',
                            'model.distractor_dir': 'd'})


def test_arguments_of_mmengine_types_through_their_base_classes():
    # MMFullyShardedDataParallel(**kwargs) -> torch's FSDP(device_id=...);
    # FSDPStrategy(**kwargs) -> DDPStrategy(sync_bn=...)
    cfg = Config.fromfile(
        osp.join(osp.dirname(DEMO_CFG),
                 'bda-sketret_vgg16_8xb64_sketchy-ext-25_fsdp.py'))
    check_cfg_options(cfg, {'strategy.model_wrapper.device_id': 'cpu',
                            'strategy.sync_bn': 'torch'})
    with pytest.raises(KeyError, match='Did you mean: sync_bn'):
        check_cfg_options(cfg, {'strategy.sync_bm': 'torch'})
