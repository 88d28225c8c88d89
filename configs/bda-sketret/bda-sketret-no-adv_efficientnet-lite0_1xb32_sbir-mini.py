# Ablation: BDA-SketRet demo without the spatial adversarial alignment
# (no domain discriminator on the conv maps, no GRL).
_base_ = ['./bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py']

model = dict(spatial_discriminator=None, adv_loss=None)
