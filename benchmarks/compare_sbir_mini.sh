#!/usr/bin/env bash
# The method comparison of the README: every method trained and evaluated on
# the bundled set (sbir-mini) with the same seeds and metric preset.
#   bash benchmarks/compare_sbir_mini.sh [WORK_DIR]
# Runs already finished in WORK_DIR are reused (an interrupted comparison
# continues). About 3 minutes per training run on 2 CPU cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-.venv/bin/python}
WORK=${1:-work_dirs/compare}
C=configs
"$PY" tools/analysis_tools/compare_methods.py \
  --configs \
    $C/bda-sketret/bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py \
    $C/bda-sketret/bda-sketret-no-adv_efficientnet-lite0_1xb32_sbir-mini.py \
    $C/bda-sketret/bda-sketret-no-ib_efficientnet-lite0_1xb32_sbir-mini.py \
    $C/bda-sketret/bda-sketret-no-gcn_efficientnet-lite0_1xb32_sbir-mini.py \
    $C/triplet/triplet_efficientnet-lite0_1xb32_sbir-mini.py \
    $C/doodle2search/doodle2search_efficientnet-lite0_1xb32_sbir-mini.py \
    $C/sake/sake_efficientnet-lite0_1xb32_sbir-mini.py \
  --reference-configs \
    $C/reference/imagenet-features_efficientnet-lite0_sbir-mini.py \
  --names BDA-SketRet "BDA-SketRet w/o adversarial" "BDA-SketRet w/o IB" \
    "BDA-SketRet w/o GCN" Triplet Doodle2Search SAKE \
    "untrained ImageNet backbone" \
  --seeds 0 1 2 --random-baseline --preset textbook "${@:2}" \
  --metrics mAP@all P@10 \
  --work-dir "$WORK" --out-md "$WORK/table.md" --out-json "$WORK/table.json" \
  --out-plot "$WORK/comparison.png"
