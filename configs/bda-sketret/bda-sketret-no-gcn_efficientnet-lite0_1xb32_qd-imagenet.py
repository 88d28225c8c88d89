# Ablation on qd-imagenet: BDA-SketRet with plain linear class prototypes
# instead of the topology-preserving GCN projector (no class graph).
_base_ = ['./bda-sketret_efficientnet-lite0_1xb32_qd-imagenet.py']

model = dict(
    head=dict(_delete_=True, type='LinearPrototypeHead', in_dim=384,
              out_dim=128))
