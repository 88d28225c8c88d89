# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# QuickDraw-Extended, 80 seen / 30 unseen classes (Doodle2Search).
# Reported with mAP@all and P@200.
# Pipelines, batches, sampler and loaders are those of sketchy_ext_25.py;
# only the dataset, its root, the split and the metrics differ.
_base_ = ['./sketchy_ext_25.py']

dataset_type = 'QuickDrawExtended'
data_root = 'data/QuickDraw'
split = 'quickdraw_ext_30'

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split=split))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split=split))
test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split=split))

# A list: mmengine reads a dict with a 'metrics' key as an Evaluator.
val_evaluator = [
    dict(
        type='SBIRRetrievalMetric',
        metrics=['mAP@all', 'P@200'],
        preset='textbook')
]
test_evaluator = val_evaluator
