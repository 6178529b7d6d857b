#!/usr/bin/env bash
# rfspin's benchmarks and a short training of every task, on a GPU when one is present (CPU otherwise,
# and it says so), printing the same tables either way.
#
# Usage: benchmarks/run_gpu_suite.sh [OUT_DIR]   (default ./gpu-suite; logs and JSON results there)
# Environment: RFSPIN_MNIST_DIR (MNIST IDX folder; default /work/shared/data/mnist; the MNIST tasks are
# skipped, with a line saying so, when it is missing), THREADS (CPU threads, default 2),
# EPOCHS (epochs of each short training, default 2), QUICK=1 (smaller benchmark sizes).
set -u -o pipefail

OUT=${1:-gpu-suite}
THREADS=${THREADS:-2}
EPOCHS=${EPOCHS:-2}
MNIST=${RFSPIN_MNIST_DIR:-/work/shared/data/mnist}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-python}
mkdir -p "$OUT"
export OMP_NUM_THREADS=$THREADS

if $PY -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    DEVICE=cuda
    $PY -c "import torch; print('GPU:', torch.cuda.get_device_name(0), '| torch', torch.__version__)"
else
    DEVICE=cpu
    echo "no GPU visible (torch.cuda.is_available() is False): running everything on the CPU, $THREADS threads"
fi
echo "device: $DEVICE | load average: $(cut -d' ' -f1-3 /proc/loadavg) | $(date -u +%FT%TZ)"

FAILED=()
section() { echo; echo "== $1 =="; }
run() {  # run NAME CMD...: print the output, keep a log, remember failures
    local name=$1; shift
    if "$@" 2>&1 | tee "$OUT/$name.log"; then :; else FAILED+=("$name"); echo "!! $name failed (log: $OUT/$name.log)"; fi
}

# bench_train_step.py and bench_cnn.py (the kernel's benchmarks) time CPU kernels only.
section "train step (drone 256-128-10, batch 256; CPU)"
run train_step $PY "$HERE/bench_train_step.py" --json "$OUT/train_step.json"

section "RF CNN step (CPU)"
run cnn $PY "$HERE/bench_cnn.py"

section "torch.compile"
run compile $PY "$HERE/bench_compile.py" --device "$DEVICE" --threads "$THREADS" --json "$OUT/compile.json"

section "short training of every task ($EPOCHS epochs each, --device $DEVICE)"
printf "%-14s %7s %10s %12s\n" task epochs wall_s test_acc_%
for task in drone digits nonlinear2d mnist mnist-cnn mnist-lecture; do
    extra=()
    case $task in mnist*)
        if [ ! -d "$MNIST" ]; then printf "%-14s skipped: no MNIST folder at %s\n" "$task" "$MNIST"; continue; fi
        extra=(--data-dir "$MNIST");;
    esac
    start=$(date +%s%N)
    if $PY -m rfspin.cli train --task "$task" --epochs "$EPOCHS" --device "$DEVICE" --out "$OUT/runs/$task" \
        --quiet --no-plots "${extra[@]}" > "$OUT/train_$task.log" 2>&1; then
        wall=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN {print (b - a) / 1e9}')
        acc=$($PY -c "import json,sys; print(f\"{100*json.load(open(sys.argv[1]))['test_accuracy']:.2f}\")" \
            "$OUT/runs/$task/metrics.json")
        printf "%-14s %7s %10.1f %12s\n" "$task" "$EPOCHS" "$wall" "$acc"
    else
        FAILED+=("train_$task"); printf "%-14s failed (log: %s)\n" "$task" "$OUT/train_$task.log"
    fi
done

section "Monte-Carlo over chip instances (drone run above)"
if [ -f "$OUT/runs/drone/metrics.json" ]; then
    run montecarlo $PY "$HERE/bench_montecarlo.py" "$OUT/runs/drone" --device "$DEVICE" --threads "$THREADS"
fi

section "time to accuracy (drone: rfspin default command vs software MLP vs the authors' formulation)"
run time_to_accuracy $PY "$HERE/bench_time_to_accuracy.py" --device "$DEVICE" --threads "$THREADS" \
    --json "$OUT/time_to_accuracy.json"

section "lecture-scale CNN (one MNIST epoch)"
if [ -d "$MNIST" ]; then
    run lecture_cnn $PY "$HERE/bench_lecture_cnn.py" --data-dir "$MNIST" --device "$DEVICE" --threads "$THREADS" \
        --json "$OUT/lecture_cnn.json"
else
    echo "skipped: no MNIST folder at $MNIST"
fi

echo
echo "device: $DEVICE | load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ${#FAILED[@]} -gt 0 ]; then echo "failed: ${FAILED[*]}"; exit 1; fi
echo "all sections finished"
