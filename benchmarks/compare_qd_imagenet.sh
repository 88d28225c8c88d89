#!/usr/bin/env bash
# The qd-imagenet comparison of the README: every method trained on the 61
# seen classes and tested on the 12 unseen ones with the same seeds, scored
# against the three galleries (unseen photos; + seen photos; + distractors)
# with intervals over queries and over classes and paired differences to
# BDA-SketRet.
#   bash benchmarks/compare_qd_imagenet.sh [WORK_DIR] [extra compare args]
# e.g. a quick first pass:  ... work_dirs/qd --seeds 0
#      the class folds:     ... work_dirs/qd-folds --folds fold0 fold1 \
#          fold2 fold3 --fold-key train_dataloader.dataset.split,\
#          val_dataloader.dataset.split,test_dataloader.dataset.split
# Training uses bfloat16 autocast on the CPU (--amp: about 2x faster than
# float32 for these frozen-backbone runs; float16 AMP on a GPU); testing is
# float32. Runs validate once, after the last epoch (val_interval=8): the
# seen-class validation picks the best checkpoint, and with the cosine
# schedule that was the last epoch in 6 of the 7 seed-0 runs (which
# validated each epoch; w/o IB: epoch 7). Finished runs in WORK_DIR are reused: an interrupted comparison continues
# where it stopped (run it again with the same arguments).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-.venv/bin/python}
WORK=${1:-work_dirs/compare-qd-imagenet}
C=configs
if [ ! -f data/qd-imagenet/prepared/split.json ]; then
  "$PY" tools/dataset_converters/prepare_qd_imagenet.py
fi
"$PY" tools/analysis_tools/compare_methods.py \
  --configs \
    $C/bda-sketret/bda-sketret_efficientnet-lite0_1xb32_qd-imagenet.py \
    $C/triplet/triplet_efficientnet-lite0_1xb32_qd-imagenet.py \
    $C/doodle2search/doodle2search_efficientnet-lite0_1xb32_qd-imagenet.py \
    $C/sake/sake_efficientnet-lite0_1xb32_qd-imagenet.py \
    $C/bda-sketret/bda-sketret-no-adv_efficientnet-lite0_1xb32_qd-imagenet.py \
    $C/bda-sketret/bda-sketret-no-ib_efficientnet-lite0_1xb32_qd-imagenet.py \
    $C/bda-sketret/bda-sketret-no-gcn_efficientnet-lite0_1xb32_qd-imagenet.py \
  --reference-configs \
    $C/reference/imagenet-features_efficientnet-lite0_qd-imagenet.py \
  --names BDA-SketRet Triplet Doodle2Search SAKE \
    "BDA-SketRet w/o adversarial" "BDA-SketRet w/o IB" \
    "BDA-SketRet w/o GCN" "untrained ImageNet backbone" \
  --seeds 0 1 2 --random-baseline --preset textbook --amp \
  --metrics mAP@all P@10 \
  --galleries unseen photos all \
  --cfg-options test_dataloader.dataset.gallery=unseen+seen+distractor \
    train_cfg.val_interval=8 \
  --work-dir "$WORK" --out-md "$WORK/table.md" --out-json "$WORK/table.json" \
  --out-plot "$WORK/comparison.png" "${@:2}"
