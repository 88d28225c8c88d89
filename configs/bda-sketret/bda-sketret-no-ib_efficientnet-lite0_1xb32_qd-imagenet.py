# Ablation on qd-imagenet: BDA-SketRet without the symmetric
# information-bottleneck loss (semantic-level alignment off).
_base_ = ['./bda-sketret_efficientnet-lite0_1xb32_qd-imagenet.py']

model = dict(ib_loss=None)
