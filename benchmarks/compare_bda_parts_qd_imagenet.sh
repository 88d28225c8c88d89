#!/usr/bin/env bash
# What each part of BDA-SketRet buys on qd-imagenet (configs/bda-sketret/
# README.md): the full model against each ablation and a beta sweep of the
# symmetric IB loss; then the variant whose spatial level aligns against
# its own ablation without that level. Same seeds, paired differences on
# the same queries, intervals over queries and over classes, three
# galleries.
#   bash benchmarks/compare_bda_parts_qd_imagenet.sh [WORK_DIR] [extra args]
# Share WORK_DIR with benchmarks/compare_qd_imagenet.sh: the runs of the full
# model and of the ablations have the same names there and are reused.
# The runs of table 1 validate once, after the last epoch
# (train_cfg.val_interval=8 below): the seen-class validation picks the best
# checkpoint, and with the cosine schedule that was the last epoch in 6 of
# the 7 seed-0 runs (which validated each epoch; w/o IB: epoch 7). Finished runs are reused: run the
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
COMMON=(--seeds 0 1 2 --preset textbook --amp --metrics mAP@all P@10
  --galleries unseen photos all --work-dir "$WORK")
GALLERY=test_dataloader.dataset.gallery=unseen+seen+distractor
# 1. the shipped CPU configuration (all block stages frozen) and its parts
"$PY" tools/analysis_tools/compare_methods.py \
  --configs $B/bda-sketret_$Q $B/bda-sketret-no-adv_$Q \
    $B/bda-sketret-no-ib_$Q $B/bda-sketret-no-gcn_$Q \
    $B/bda-sketret-beta1e-4_$Q $B/bda-sketret-beta1e-2_$Q \
  --names BDA-SketRet "BDA-SketRet w/o adversarial" "BDA-SketRet w/o IB" \
    "BDA-SketRet w/o GCN" "BDA-SketRet beta=1e-4" "BDA-SketRet beta=1e-2" \
  "${COMMON[@]}" --cfg-options $GALLERY train_cfg.val_interval=8 \
  --out-md "$WORK/parts.md" --out-json "$WORK/parts.json" \
  --out-plot "$WORK/parts.png" "${@:2}"
# 2. the variant whose spatial level aligns (stages 6-7 trainable, features
#    10x faster than the discriminator) against the same without the
#    spatial level; these validate every epoch (the curves of the README)
"$PY" tools/analysis_tools/compare_methods.py \
  --configs $B/bda-sketret-ft2-blr1_$Q $B/bda-sketret-ft2-blr1-no-adv_$Q \
    $B/bda-sketret_$Q \
  --names "BDA-SketRet ft2 blr1" "BDA-SketRet ft2 blr1 w/o adversarial" \
    BDA-SketRet \
  "${COMMON[@]}" --cfg-options $GALLERY \
  --out-md "$WORK/aligned.md" --out-json "$WORK/aligned.json" \
  --out-plot "$WORK/aligned.png" "${@:2}"
