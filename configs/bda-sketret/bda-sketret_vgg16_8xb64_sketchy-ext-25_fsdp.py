# BDA-SketRet, VGG-16 streams, Sketchy-Extended 25 unseen classes, on 8 GPUs
# with mmengine's FlexibleRunner and FSDP (64 images per GPU and batch, as
# the one-GPU config; the learning rate is not scaled):
#   bash tools/dist_train.sh THIS_CONFIG 8
# Everything but the runner and the strategy is the one-GPU config's.
_base_ = [
    './bda-sketret_vgg16_1xb64_sketchy-ext-25.py',
    '../_base_/strategies/fsdp.py',
]
runner_type = 'FlexibleRunner'
