#!/usr/bin/env bash
# The seed paper's experiment (its Tables 1-3 and Fig. 8): APoT vs APoT+EWGS, W2A2, from a full-precision model.
# Runs, in order, on each data set asked for:
#   1. a full-precision ResNet-20 (skipped for Fashion-MNIST with --fp-init default: the shipped default model),
#   2. APoT W2A2 with the STE backward, warm-started from it,
#   3. APoT W2A2 with the EWGS backward, warm-started from the same model, delta re-estimated during training,
# then draws the comparison figures (quantscope-cli figure --kind curves|ewgs) and the table (compare).
#
#   scripts/seed_experiment.sh --out DIR [--data fashion-mnist,cifar10] [--cifar-dir DIR] [--scale cpu|full]
#                              [--cli PATH] [--threads T] [--fixed-delta D1,D2,...]
#
# --scale cpu (the default) is the short run documented in docs/seed-experiment.md: a training subset, few epochs,
#   a constant learning rate and a cheaper EWGS delta estimate (joint Hutchinson, few iterations, every K steps).
# --fixed-delta also runs APoT+EWGS with delta held at each D (no Hessian updates, 5 epochs at the CPU scale): the
#   test of the paper's mechanism in docs/seed-experiment.md (2,8,32 there).
# --scale full is the paper's setting (300 epochs, all images, lr 0.04 with steps at 150/225, delta re-estimated
#   every step from 3 batches, per-tensor Hutchinson as the EWGS reference): for a GPU machine (device = auto
#   picks CUDA when the LibTorch build has it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/.."
cli="$root/build/app/cli/quantscope-cli"
out=""
datasets="fashion-mnist,cifar10"
cifar_dir="$root/../shared/data/cifar10-bin"
scale=cpu
threads=0
fixed_deltas=""
while [[ $# -gt 0 ]]; do
    case "$1" in
    --out) out="$2"; shift 2 ;;
    --data) datasets="$2"; shift 2 ;;
    --cifar-dir) cifar_dir="$2"; shift 2 ;;
    --scale) scale="$2"; shift 2 ;;
    --cli) cli="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --fixed-delta) fixed_deltas="$2"; shift 2 ;;
    *) echo "seed_experiment.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[[ -n "$out" ]] || { echo "seed_experiment.sh: --out DIR is required" >&2; exit 2; }
[[ -x "$cli" ]] || { echo "seed_experiment.sh: $cli not built (cmake --build build)" >&2; exit 2; }
mkdir -p "$out"

# Settings shared by every quantized run: the paper's (and the APoT reference's) optimizer.
common=(--set method=apot --set wbits=2 --set abits=2 --set edge_layers=8bit --set optimizer=sgd --set lr=0.04
        --set momentum=0.9 --set weight_decay=1e-4 --set quant_optimizer=groups --set act_alpha_lr=0.1
        --set wgt_alpha_lr=0.02 --set alpha_weight_decay=1e-4 --set batch_size=128 --set threads="$threads"
        --set divergence_delta_max=1e12)
if [[ "$scale" == cpu ]]; then
    # 100 steps an epoch; EWGS: STE for the first epoch (delta 0, as the paper), then delta every 25 steps from
    # one batch and 3 joint Hutchinson samples (one update then costs about 35 training steps instead of ~1650).
    sized=(--set train_subset=12800 --set test_subset=2000 --set epochs=10 --set schedule=constant)
    ewgs=(--set ewgs_update=iterations --set ewgs_update_every=25 --set ewgs_update_start=100
          --set ewgs_batches=1 --set hutchinson_mode=joint --set hutchinson_max_iter=3)
    fp_epochs=3
    fp_sized=(--set train_subset=25600)
else
    sized=(--set epochs=300 --set schedule=multistep --set milestones=150,225)
    ewgs=(--set ewgs_update=iterations --set ewgs_update_every=1 --set ewgs_update_start=391
          --set ewgs_batches=3 --set hutchinson_mode=per-tensor --set hutchinson_max_iter=50)
    fp_epochs=200
    fp_sized=()
fi

run() { # run DIR ARGS...: trains unless DIR already finished (reruns continue where they left off)
    local dir="$1"; shift
    if [[ -f "$dir/metrics.jsonl" ]] && grep -q '"type":"\(done\|divergence\)"' "$dir/metrics.jsonl"; then
        echo "== $dir: done already"; return 0
    fi
    echo "== $dir"
    if [[ -f "$dir/last.qsckpt" ]]; then "$cli" train --resume "$dir" || true
    else "$cli" train "$@" --out "$dir" || true; fi # a diverged run exits non-zero; it is a result, not a failure
}

for data in ${datasets//,/ }; do
    case "$data" in
    fashion-mnist)
        spec=(--set dataset=fashion-mnist: --set shortcut=A --set augment=false)
        fp_init="$root/resources/models/default.qsckpt" ;;
    cifar10)
        spec=(--set dataset="cifar10:$cifar_dir" --set shortcut=A --set augment=true
              --set mean=0.491,0.482,0.447 --set std=0.247,0.243,0.262)
        run "$out/cifar10-fp" --preset fashion-mnist-fp "${spec[@]}" --set epochs="$fp_epochs" \
            "${fp_sized[@]}" --set threads="$threads" --set schedule=cosine
        fp_init="$out/cifar10-fp/best.qsckpt" ;;
    *) echo "seed_experiment.sh: unknown data set $data" >&2; exit 2 ;;
    esac
    run "$out/$data-apot" --preset fashion-mnist-fp "${spec[@]}" "${common[@]}" "${sized[@]}" \
        --set backward=ste --set init="$fp_init"
    run "$out/$data-apot-ewgs" --preset fashion-mnist-fp "${spec[@]}" "${common[@]}" "${sized[@]}" "${ewgs[@]}" \
        --set backward=ewgs --set init="$fp_init"
    for d in ${fixed_deltas//,/ }; do
        fixed_epochs=(); [[ "$scale" == cpu ]] && fixed_epochs=(--set epochs=5)
        run "$out/$data-apot-ewgs-fixed$d" --preset fashion-mnist-fp "${spec[@]}" "${common[@]}" "${sized[@]}" \
            "${fixed_epochs[@]}" --set backward=ewgs --set ewgs_update=never --set ewgs_delta_init="$d" \
            --set init="$fp_init"
    done
    if "$cli" figure --help >/dev/null 2>&1 && "$cli" figure --kind curves --help >/dev/null 2>&1; then
        "$cli" figure --kind curves --runs "$out/$data-apot" "$out/$data-apot-ewgs" --out "$out/$data-curves.svg" || true
        "$cli" figure --kind ewgs --runs "$out/$data-apot-ewgs" --out "$out/$data-ewgs.svg" || true
    fi
    "$cli" compare --runs "$out/$data-apot" "$out/$data-apot-ewgs" --format md | tee "$out/$data-table.md"
done
