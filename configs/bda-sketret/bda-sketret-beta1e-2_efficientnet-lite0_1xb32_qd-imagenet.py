# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# beta sweep of the symmetric IB loss on qd-imagenet (configs/bda-sketret/
# README.md "What each part buys"): the shipped model with beta = 1e-2 on the
# symmetric KL term instead of 1e-3 (with loss_weight 0.1 the KL term is
# about 0.005 / 0.05 / 0.5 of the loss for beta 1e-4 / 1e-3 / 1e-2 at the
# start of training).
_base_ = ['./bda-sketret_efficientnet-lite0_1xb32_qd-imagenet.py']

model = dict(ib_loss=dict(beta=1e-2))
