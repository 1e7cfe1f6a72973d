#!/usr/bin/env bash
# Every method's ResNet-20 training step against QuantScope's FP step measured in the same run (issue 13 item 6).
# Each method is timed between two FP timings and compared with their mean, so a change in machine load during
# the run shows as a spread of the FP figures rather than as a method's ratio. Builds nothing. Prints Markdown.
#
#   bench/run_method_speed.sh [--cli PATH] [--threads T] [--steps K] [--batch B] [--bits B]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="$here/../build/app/cli/quantscope-cli"
threads=2
steps=5
batch=128
bits=2
while [[ $# -gt 0 ]]; do
    case "$1" in
    --cli) cli="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --bits) bits="$2"; shift 2 ;;
    -h|--help) sed -n 2,6p "$0"; exit 0 ;;
    *) echo "run_method_speed.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -x "$cli" ]] || { echo "run_method_speed.sh: no executable CLI at $cli (build it first)" >&2; exit 2; }

step_ms() { # quant [--ewgs]
    "$cli" bench train-step --arch resnet20 --quant "$1" --bits "$bits" ${2:-} --batch "$batch" --steps "$steps" \
        --threads "$threads" | sed -n 's/.*"ms_per_step":\([0-9.]*\).*/\1/p'
}

echo "ResNet-20, batch $batch, $threads threads, W${bits}A${bits}, $steps timed steps after 2 warm-up steps"
echo
echo "| method | ms per step | FP ms before / after | FP step / method step |"
echo "|---|---:|---:|---:|"
fp_prev=$(step_ms fp)
for entry in "uniform" "apot" "lsq" "lsqplus" "dsq" "daq" "ewgs" "apot --ewgs" "lsq --ewgs"; do
    read -r quant flag <<<"$entry"
    ms=$(step_ms "$quant" "${flag:-}")
    fp_next=$(step_ms fp)
    awk -v name="$entry" -v ms="$ms" -v a="$fp_prev" -v b="$fp_next" \
        'BEGIN { fp = (a + b) / 2; printf "| %s | %.1f | %.1f / %.1f | %.2fx |\n", name, ms, a, b, fp / ms }'
    fp_prev=$fp_next
done
