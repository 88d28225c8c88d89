# Ablation: BDA-SketRet demo with plain linear class prototypes instead of
# the topology-preserving GCN projector (no class graph).
_base_ = ['./bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py']

model = dict(
    head=dict(_delete_=True, type='LinearPrototypeHead', in_dim=300,
              out_dim=128))
