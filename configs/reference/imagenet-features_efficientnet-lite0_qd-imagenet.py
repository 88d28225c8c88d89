# Reference, not a method: the untrained ImageNet EfficientNet-Lite0,
# globally average-pooled 1280-d features for sketches and photos alike, on
# qd-imagenet with the data settings of the qd-imagenet method configs
# (160 px). Evaluated without training by
# tools/analysis_tools/compare_methods.py (--reference-configs).
_base_ = [
    '../_base_/models/sketch-photo-retriever_efficientnet-lite0.py',
    '../_base_/datasets/qd_imagenet_160px.py',
    '../_base_/schedules/adam_8e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(share_backbone=True),
    neck=dict(_delete_=True, type='GlobalPoolNeck'),
    # never used by the reference (it is evaluated untrained); present so
    # that the config is also trainable, as every sketret config is
    metric_loss=dict(type='TripletLoss', margin=0.2))
