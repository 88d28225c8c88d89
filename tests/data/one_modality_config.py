# BDA-SketRet demo on batches of one modality each (rank 0: sketches,
# rank 1: photos), random weights, 32 px, two iterations.
_base_ = ['../../configs/bda-sketret/'
          'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py']

custom_imports = dict(imports=['toy_components'], allow_failed_imports=False)

model = dict(backbone=dict(backbone=dict(pretrained=False)))
train_dataloader = dict(
    batch_size=4,
    sampler=dict(_delete_=True, type='OneModalitySampler'),
    batch_sampler=None,
    dataset=dict(pipeline=[
        dict(type='LoadSBIRImage'),
        dict(type='mmcv.Resize', scale=(32, 32), keep_ratio=False),
        dict(type='PackSBIRInputs'),
    ]))
train_cfg = dict(_delete_=True, by_epoch=False, max_iters=2)
param_scheduler = []
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(by_epoch=False, interval=2))
