# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# Sketchy-Extended, 104 seen / 21 unseen classes (Yelamarthi et al.,
# ECCV 2018).
# Reported with mAP@200 and P@200.
# Pipelines, batches, sampler and loaders are those of sketchy_ext_25.py;
# only the dataset, its root, the split and the metrics differ.
_base_ = ['./sketchy_ext_25.py']

dataset_type = 'SketchyExtended'
data_root = 'data/Sketchy'
split = 'sketchy_ext_21'

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
        metrics=['mAP@200', 'P@200'],
        preset='textbook')
]
test_evaluator = val_evaluator
