# A tiny config on random data for the tool tests.
_base_ = ['../../configs/_base_/default_runtime.py']

custom_imports = dict(imports=['toy_components'], allow_failed_imports=False)

model = dict(type='ToyRegressor', dim=4)
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    dataset=dict(type='ToyRegressionDataset', size=32, seed=0),
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    dataset=dict(type='ToyRegressionDataset', size=16, seed=1),
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'))
test_dataloader = val_dataloader
val_evaluator = dict(type='ToyMSEMetric')
test_evaluator = val_evaluator

optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[2])]
train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)
val_cfg = dict()
test_cfg = dict()

custom_hooks = [dict(type='ToyKillHook')]
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(max_keep_ckpts=5, save_best='toy/neg_mse', rule='greater'))
randomness = dict(seed=42, deterministic=True)
