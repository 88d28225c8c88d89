# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# Spatial-alignment variant on qd-imagenet (docs/method.md "Does the spatial
# level align?"): as bda-sketret-dlr0.1 (discriminator at the features' lr),
# and the last two EfficientNet block stages (6-7: 192 and 320 channels, the
# stride-32 maps) train as well, so that the reversed gradient reaches
# spatial (depthwise 5x5 / 3x3) filters, not only the 1x1 head convolution.
# Default chosen by sketret; chosen or rejected on seen-class validation.
_base_ = ['./bda-sketret-dlr0.1_efficientnet-lite0_1xb32_qd-imagenet.py']

model = dict(backbone=dict(backbone=dict(frozen_stages=5)))
