# BDA-SketRet, VGG-16 streams, Sketchy-Extended 25 unseen classes, on 8 GPUs
# with mmengine's FlexibleRunner and FSDP (64 images per GPU and batch, as
# the one-GPU config):
#   bash tools/dist_train.sh THIS_CONFIG 8
# Everything but the runner, the strategy and the learning-rate scaling is
# the one-GPU config's.
_base_ = [
    './bda-sketret_vgg16_1xb64_sketchy-ext-25.py',
    '../_base_/strategies/fsdp.py',
]
runner_type = 'FlexibleRunner'
# The learning rate was set for the one-GPU batch of 64; on 8 GPUs (a batch
# of 512, as the name says) it is scaled by 512 / 64 (linear scaling rule).
auto_scale_lr = dict(base_batch_size=64, enable=True)
