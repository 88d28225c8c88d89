#!/usr/bin/env bash
# The main job on a fresh machine: install, train BDA-SketRet on the bundled
# real set (sbir-mini: 6 seen classes), evaluate it on the 4 unseen classes
# against the untrained ImageNet backbone, and save pictures of what it
# retrieves. About 5 minutes of training on 2 CPU cores.
#   bash tools/run_demo.sh
#   bash tools/run_demo.sh --cfg-options train_cfg.max_epochs=1  # quicker
# Extra arguments go to tools/train.py. The terminal shows one line per
# epoch and the results; the full logs are in the work dir
# (<time>/<time>.log of each step).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${SKETRET_VENV:-.venv}
PY="$VENV/bin/python"
CONFIG=configs/bda-sketret/bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py
REFERENCE=configs/reference/imagenet-features_efficientnet-lite0_sbir-mini.py

bash tools/install.sh

WORK=work_dirs/demo-$(date +%Y%m%d_%H%M%S)
echo "[sketret] training $CONFIG -> $WORK"
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK" --seed 0 "$@"
CKPT=$(ls "$WORK"/best_*.pth | tail -n 1)

echo "[sketret] evaluating $CKPT on the unseen classes"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK/test" \
  --out "$WORK/test_metrics.json" --show-dir "$WORK/retrievals"

echo "[sketret] the same test with the untrained ImageNet backbone"
"$PY" - "$REFERENCE" "$WORK/untrained.pth" <<'PYEOF'
import sys, torch
from sketret.apis import init_model
model = init_model(sys.argv[1], None, device='cpu')
torch.save(dict(state_dict=model.state_dict()), sys.argv[2])
PYEOF
"$PY" tools/test.py "$REFERENCE" "$WORK/untrained.pth" \
  --work-dir "$WORK/reference" --out "$WORK/reference_metrics.json"

"$PY" tools/analysis_tools/analyze_logs.py plot_curve "$WORK" \
  --keys loss loss_proj loss_adv loss_ib_nce textbook/mAP@all \
  --out "$WORK/training_curves.png"

echo "Retrieval pictures: $WORK/retrievals/"
echo "Training curves:    $WORK/training_curves.png"
echo "Full logs:          $WORK/ (<time>/<time>.log of each step)"
echo "Sketch pad with this model: $PY tools/serve.py $CONFIG $CKPT" \
  "(then open http://127.0.0.1:8000/)"

"$PY" - "$WORK" <<'PYEOF'
import json, sys
work = sys.argv[1]
trained = json.load(open(f'{work}/test_metrics.json'))
untrained = json.load(open(f'{work}/reference_metrics.json'))
print('\nUnseen classes of sbir-mini (245 sketch queries, 97 photos incl. '
      f'23 distractors), metric preset "{trained["preset"]}":')
print(f'  {"":8s} {"BDA-SketRet":>11s}   {"untrained ImageNet backbone":>27s}')
for key in ('mAP@all', 'P@10'):
    print(f'  {key:8s} {trained[key]:11.4f}   {untrained[key]:27.4f}')
PYEOF
