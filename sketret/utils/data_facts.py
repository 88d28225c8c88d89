# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Dataset facts said once, in the dataset config, and used by the model.

A dataset config states what a model must know about its data in one
top-level dict, ``data_facts``::

    # configs/_base_/datasets/<dataset>.py
    data_facts = dict(
        num_seen_classes=42,
        class_vectors=dict(type='NpzClassVectors', file='.../vectors.npz'),
        class_vector_dim=384)

A fact that differs between the splits of a dataset (the number of seen
classes of each class fold) is given per split, and the split itself is a
fact too, so that one override switches the dataloaders and the model::

    data_facts = dict(
        split='standard',
        num_seen_classes=dict(by_split=dict(standard=42, fold0=43)))
    train_dataloader = dict(dataset=dict(split='data_fact:split', ...))
    # --cfg-options data_facts.split=fold0

A model (or any other) config asks for a fact with the string
``'data_fact:<name>'`` where the value belongs::

    # configs/_base_/models/<method>.py
    model = dict(
        semantics='data_fact:class_vectors',
        head=dict(in_dim='data_fact:class_vector_dim'),
        classifier=dict(num_classes='data_fact:num_seen_classes'))

:func:`resolve_data_facts` replaces every such string by a deep copy of the
fact; :func:`sketret.utils.config_utils.load_config` and
:class:`~sketret.engine.SketRetRunner` call it, so every tool and
``init_model`` see resolved configs. A method config composed of a model
base and a dataset base thus restates none of the dataset's facts; an
override (``--cfg-options model.head.in_dim=300``) replaces the request.
"""
import copy
from typing import Any

__all__ = ['DATA_FACT_PREFIX', 'resolve_data_facts', 'data_fact']

#: A config value ``'data_fact:<name>'`` asks for ``data_facts[<name>]``.
DATA_FACT_PREFIX = 'data_fact:'


def data_fact(name: str) -> str:
    """The config value that asks for the dataset fact ``name``."""
    return DATA_FACT_PREFIX + name


def _fact_value(name: str, facts: dict) -> Any:
    """``facts[name]``; a ``dict(by_split={...})`` fact gives the entry of
    ``facts['split']``."""
    value = facts[name]
    if isinstance(value, dict) and set(value) == {'by_split'}:
        split = facts.get('split')
        table = value['by_split']
        if split not in table:
            raise KeyError(
                f'the dataset fact {name!r} is given per split '
                f'({", ".join(map(str, table))}), but data_facts.split is '
                f'{split!r}')
        return table[split]
    return value


def _resolve(node: Any, facts: dict, where: str) -> Any:
    if isinstance(node, str) and node.startswith(DATA_FACT_PREFIX):
        name = node[len(DATA_FACT_PREFIX):]
        if name not in facts:
            known = ', '.join(sorted(facts)) or 'none'
            raise KeyError(
                f'{where} asks for the dataset fact {name!r} '
                f'({node!r}), but the config\'s data_facts (set by its '
                f'dataset config) has {known}; add {name}=... to '
                'data_facts in the dataset config or set the value '
                'directly')
        return copy.deepcopy(_fact_value(name, facts))
    if isinstance(node, dict):
        for key in list(node.keys()):
            node[key] = _resolve(node[key], facts, f'{where}.{key}')
        return node
    if isinstance(node, list):
        for i, value in enumerate(node):
            node[i] = _resolve(value, facts, f'{where}[{i}]')
        return node
    if isinstance(node, tuple):
        return type(node)(
            _resolve(value, facts, f'{where}[{i}]')
            for i, value in enumerate(node))
    return node


def resolve_data_facts(cfg) -> Any:
    """Replace every ``'data_fact:<name>'`` value of ``cfg`` (an mmengine
    ``Config`` or a dict) by ``cfg['data_facts'][<name>]``, in place.

    Values inside ``data_facts`` itself are left as they are. Calling it
    again changes nothing.

    Returns:
        The same ``cfg``.

    Raises:
        KeyError: A value asks for a fact that ``data_facts`` does not
            have (the message names the config key and the known facts).
        TypeError: ``data_facts`` is not a dict.
    """
    facts = cfg.get('data_facts', None) or {}
    if not isinstance(facts, dict):
        raise TypeError('data_facts must be a dict of dataset facts, got '
                        f'{type(facts).__name__}')
    for key in list(cfg.keys()):
        if key == 'data_facts':
            continue
        cfg[key] = _resolve(cfg[key], facts, key)
    return cfg
