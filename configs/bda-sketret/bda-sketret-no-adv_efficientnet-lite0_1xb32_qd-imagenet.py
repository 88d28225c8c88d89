# Ablation on qd-imagenet: BDA-SketRet without the spatial adversarial
# alignment (no domain discriminator on the conv maps, no GRL).
_base_ = ['./bda-sketret_efficientnet-lite0_1xb32_qd-imagenet.py']

model = dict(spatial_discriminator=None, adv_loss=None)
