# Reference, not a method: the untrained ImageNet EfficientNet-Lite0,
# globally average-pooled 1280-d features for sketches and photos alike, on
# qd-imagenet with the data settings of the BDA-SketRet qd-imagenet config
# (160 px). Evaluated without training by
# tools/analysis_tools/compare_methods.py (--reference-configs).
_base_ = ['../bda-sketret/bda-sketret_efficientnet-lite0_1xb32_qd-imagenet.py']

model = dict(
    _delete_=True,
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

custom_hooks = []
