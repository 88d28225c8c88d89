# The toy config with sketret's FSDP strategy base (FlexibleRunner), for a
# one-process CPU check: FSDP's module wrapper is told to stay on the CPU.
_base_ = ['./toy_config.py', '../../configs/_base_/strategies/fsdp.py']
runner_type = 'FlexibleRunner'
strategy = dict(model_wrapper=dict(device_id='cpu'))
train_cfg = dict(max_epochs=1)
