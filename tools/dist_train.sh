#!/usr/bin/env bash
# Distributed training on one node with torchrun:
#   bash tools/dist_train.sh CONFIG NUM_PROCS [tools/train.py options]
# On CPU the gloo backend is used automatically.
set -euo pipefail
CONFIG=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python}
"$PYTHON" -m torch.distributed.run \
  --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
  --nproc_per_node="$NPROC" --master_port="$PORT" \
  tools/train.py "$CONFIG" --launcher pytorch "${@:3}"
