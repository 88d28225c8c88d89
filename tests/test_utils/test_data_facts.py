# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Dataset facts said once in a dataset config reach the model config."""
import copy

import pytest
from mmengine.config import Config

from sketret.utils.config_utils import load_config
from sketret.utils.data_facts import data_fact, resolve_data_facts


def _cfg():
    return Config(dict(
        data_facts=dict(num_seen_classes=42,
                        class_vectors=dict(type='NpzClassVectors',
                                           file='v.npz'),
                        class_vector_dim=384),
        model=dict(
            type='M',
            semantics=data_fact('class_vectors'),
            head=dict(in_dim=data_fact('class_vector_dim'),
                      layers=[dict(n=data_fact('num_seen_classes')), 7]),
            sizes=(data_fact('num_seen_classes'), 3),
            name='data_facts are not touched here')))


def test_every_request_is_replaced_by_the_fact():
    cfg = resolve_data_facts(_cfg())
    assert cfg.model.semantics == dict(type='NpzClassVectors', file='v.npz')
    assert cfg.model.head.in_dim == 384
    assert cfg.model.head.layers[0].n == 42
    assert cfg.model.head.layers[1] == 7
    assert tuple(cfg.model.sizes) == (42, 3)
    assert cfg.model.name == 'data_facts are not touched here'
    # a copy each time: changing the model's copy leaves the fact alone
    cfg.model.semantics.file = 'other.npz'
    assert cfg.data_facts.class_vectors.file == 'v.npz'
    # idempotent
    assert resolve_data_facts(cfg).model.head.in_dim == 384


def test_an_unknown_fact_names_the_key_and_the_known_facts():
    cfg = _cfg()
    cfg.model.head.out_dim = data_fact('embed_dim')
    with pytest.raises(KeyError) as err:
        resolve_data_facts(cfg)
    msg = str(err.value)
    assert 'model.head.out_dim' in msg and "'embed_dim'" in msg
    assert 'class_vector_dim, class_vectors, num_seen_classes' in msg


def test_no_facts_and_no_requests_is_fine():
    cfg = Config(dict(model=dict(type='M', a=1)))
    assert resolve_data_facts(cfg).model.a == 1


def test_load_config_resolves_and_an_override_replaces_a_request(tmp_path):
    base = tmp_path / 'dataset.py'
    base.write_text('data_facts = dict(class_vector_dim=300)\n')
    model = tmp_path / 'model.py'
    model.write_text("model = dict(type='M', head=dict(in_dim="
                     "'data_fact:class_vector_dim', out_dim=8))\n")
    cfg_file = tmp_path / 'method.py'
    cfg_file.write_text("_base_ = ['./model.py', './dataset.py']\n")
    assert load_config(str(cfg_file)).model.head.in_dim == 300
    cfg = load_config(str(cfg_file), {'model.head.in_dim': 128})
    assert cfg.model.head.in_dim == 128


def test_the_runner_resolves_configs_not_loaded_by_load_config(tmp_path):
    from sketret.engine.runners.sketret_runner import SketRetRunner
    seen = {}

    class Probe(SketRetRunner):

        def __init__(self, **kwargs):
            seen['model'] = kwargs['model']

    cfg = Config(dict(
        data_facts=dict(num_seen_classes=5),
        model=dict(type='M', n=data_fact('num_seen_classes')),
        work_dir=str(tmp_path), experiment_name='data-facts-probe'))
    Probe.from_cfg(cfg)
    assert seen['model']['n'] == 5
    # the caller's config is left as it was
    assert cfg.model.n == data_fact('num_seen_classes')


def test_a_fact_given_per_split_follows_the_split_fact():
    cfg = Config(dict(
        data_facts=dict(split='standard',
                        num_seen_classes=dict(by_split=dict(standard=42,
                                                            fold0=43))),
        train_dataloader=dict(dataset=dict(split=data_fact('split'))),
        model=dict(n=data_fact('num_seen_classes'))))
    fold = Config(copy.deepcopy(cfg._cfg_dict.to_dict()))
    resolve_data_facts(cfg)
    assert cfg.model.n == 42
    assert cfg.train_dataloader.dataset.split == 'standard'
    fold.merge_from_dict({'data_facts.split': 'fold0'})
    resolve_data_facts(fold)
    assert fold.model.n == 43
    assert fold.train_dataloader.dataset.split == 'fold0'
    fold = Config(dict(data_facts=dict(
        split='fold9', num_seen_classes=dict(by_split=dict(standard=42))),
        model=dict(n=data_fact('num_seen_classes'))))
    with pytest.raises(KeyError, match="'num_seen_classes' is given per "
                       "split \\(standard\\), but data_facts.split is "
                       "'fold9'"):
        resolve_data_facts(fold)
