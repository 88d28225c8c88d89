# Adam, lr 1e-4, backbone lr x0.1, 10 epochs (defaults chosen by sketret;
# see docs/method.md "Training defaults").
optim_wrapper = dict(
    type='OptimWrapper',
    # mmengine's param groups; frozen stages summarised in one log line
    constructor='SketRetOptimWrapperConstructor',
    optimizer=dict(type='Adam', lr=1e-4, weight_decay=0.0),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}),
)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=1e-6)
]
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=1)
val_cfg = dict()
test_cfg = dict()
