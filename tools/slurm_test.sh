#!/usr/bin/env bash
# Testing on a Slurm cluster (one task per GPU; MMEngine's slurm launcher).
#   [GPUS=8 GPUS_PER_NODE=8] tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
# One core per dataloader worker (num_workers=8 in the paper configs) plus
# one for the process itself; set it to num_workers + 1 if you change those.
# docs/data_speed.md has the decode budget per GPU.
CPUS_PER_TASK=${CPUS_PER_TASK:-9}
SRUN_ARGS=${SRUN_ARGS:-""}
PYTHONPATH="$(dirname "$0")/..":${PYTHONPATH:-} \
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    --gres=gpu:"${GPUS_PER_NODE}" \
    --ntasks="${GPUS}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "${PYTHON:-python}" -u "$(dirname "$0")/test.py" "$CONFIG" "$CHECKPOINT" --launcher slurm "${@:5}"
