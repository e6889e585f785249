#!/usr/bin/env bash
# The ShapesQA demo: generate the data, train a small MCG, test it and print
# the per-type table. Run tools/setup.sh first (the README command does).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CONFIG=configs/shapesqa/mcg_tiny_shapesqa.py
WORK_DIR=${WORK_DIR:-work_dirs/mcg_tiny_shapesqa}
if [ ! -f data/shapesqa/test_a.json ]; then
    $PY tools/data/make_shapesqa.py --out data/shapesqa --preset demo --workers 2
fi
start=$(date +%s)
$PY tools/train.py "$CONFIG" --work-dir "$WORK_DIR" "$@"
echo "mcg: training took $(( $(date +%s) - start )) s"
$PY tools/test.py "$CONFIG" "$(cat "$WORK_DIR/last_checkpoint")" \
    --work-dir "$WORK_DIR/test" --dump "$WORK_DIR/test/predictions.json"
