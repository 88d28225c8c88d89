# Ablation: BDA-SketRet demo without the symmetric information-bottleneck
# loss (semantic-level alignment off).
_base_ = ['./bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py']

model = dict(ib_loss=None)
