#!/usr/bin/env bash
# What each part of BDA-SketRet buys on qd-imagenet (configs/bda-sketret/
# README.md): the full model against each ablation, a beta sweep of the
# symmetric IB loss and the spatial-alignment variant, same seeds, paired
# differences to the full model on the same queries, intervals over queries
# and over classes, three galleries.
#   bash benchmarks/compare_bda_parts_qd_imagenet.sh [WORK_DIR] [extra args]
# Share WORK_DIR with benchmarks/compare_qd_imagenet.sh: the runs of the full
# model and of the ablations have the same names there and are reused.
# Seeds 1 and 2 (and the beta runs) validate once, after the last epoch
# (train_cfg.val_interval=8 below): the seen-class validation picks the best
# checkpoint, and with the cosine schedule that was the last epoch in every
# seed-0 run, so only the time changes. Finished runs are reused: run the
# same command again to continue an interrupted comparison.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-.venv/bin/python}
WORK=${1:-work_dirs/compare-qd-imagenet}
B=configs/bda-sketret
Q=efficientnet-lite0_1xb32_qd-imagenet.py
if [ ! -f data/qd-imagenet/prepared/split.json ]; then
  "$PY" tools/dataset_converters/prepare_qd_imagenet.py
fi
"$PY" tools/analysis_tools/compare_methods.py \
  --configs $B/bda-sketret_$Q $B/bda-sketret-no-adv_$Q \
    $B/bda-sketret-no-ib_$Q $B/bda-sketret-no-gcn_$Q \
    $B/bda-sketret-beta1e-4_$Q $B/bda-sketret-beta1e-2_$Q \
    $B/bda-sketret-ft2-dlr0.1_$Q \
  --names BDA-SketRet "BDA-SketRet w/o adversarial" "BDA-SketRet w/o IB" \
    "BDA-SketRet w/o GCN" "BDA-SketRet beta=1e-4" "BDA-SketRet beta=1e-2" \
    "BDA-SketRet ft2 dlr0.1" \
  --seeds 0 1 2 --preset textbook --amp --metrics mAP@all P@10 \
  --galleries unseen photos all \
  --cfg-options test_dataloader.dataset.gallery=unseen+seen+distractor \
    train_cfg.val_interval=8 \
  --work-dir "$WORK" --out-md "$WORK/parts.md" \
  --out-json "$WORK/parts.json" --out-plot "$WORK/parts.png" "${@:2}"
