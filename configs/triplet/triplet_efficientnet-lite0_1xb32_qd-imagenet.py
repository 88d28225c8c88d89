# Plain triplet baseline on qd-imagenet: the model of the sbir-mini triplet
# config (EfficientNet-Lite0 streams, linear embedding, batch-hard triplet
# loss) with the data and schedule of the BDA-SketRet qd-imagenet config, so
# the two compare fairly.
_base_ = [
    '../_base_/models/sketch-photo-retriever_efficientnet-lite0.py',
    '../_base_/datasets/qd_imagenet_160px.py',
    '../_base_/schedules/adam_8e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(backbone=dict(frozen_stages=7)),
    metric_loss=dict(
        type='TripletLoss', margin=0.2, mining='batch_hard', loss_weight=1.0))

custom_hooks = [dict(type='ClassSemanticsHook')]
