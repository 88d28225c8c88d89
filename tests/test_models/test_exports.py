# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Every component sketret registers is importable from sketret.models."""
import sketret.models as models
from sketret.registry import MODELS


def sketret_registered():
    """{name: class} of sketret's own MODELS entries (not mmpretrain's, not
    the toy parts that tests register)."""
    return {
        name: cls
        for name, cls in MODELS.module_dict.items()
        if cls.__module__.startswith('sketret.')
    }


def test_every_registered_model_is_exported():
    registered = sketret_registered()
    # the parts the docs speak of, counted by hand from sketret/models
    assert {'BDASketRet', 'SketchPhotoRetriever', 'GlobalPoolNeck',
            'TripletLoss', 'KnowledgeDistillationLoss',
            'SemanticReconstructionLoss'} <= set(registered)
    for name, cls in registered.items():
        assert getattr(models, name, None) is cls, name
        assert name in models.__all__, name


def test_base_classes_named_in_docstrings_are_exported():
    for name in ('BaseSBIRRetriever', 'MetricLoss', 'DomainLoss',
                 'SemanticLoss', 'DistillationLoss', 'ProjectionLoss',
                 'InformationLoss', 'last_tensor', 'loss_terms'):
        assert name in models.__all__ and hasattr(models, name), name
    assert len(set(models.__all__)) == len(models.__all__)
