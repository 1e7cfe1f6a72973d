#!/usr/bin/env bash
# Training-step benchmark: QuantScope (quantscope-cli bench train-step) against the PyTorch reference
# (bench/reference/train_step_reference.py, same LibTorch) with the same thread count, and the cost of one EWGS
# delta update on both sides. Builds nothing. Prints Markdown (the tables of docs/benchmarks.md).
#
#   bench/run_train_bench.sh [--cli PATH] [--threads T] [--steps K] [--batch B] [--python PY] [--no-ewgs-update]
#                            [--ewgs-batch EB] [--ewgs-batches NB] [--ewgs-only]
#                            [--ewgs-modes per-tensor,joint]
#
# QuantScope side, per configuration:  /usr/bin/time -v quantscope-cli bench train-step --arch resnet20 \
#     --quant fp|apot --bits 2|4 [--ewgs] --batch B --steps K --threads T     (max RSS from /usr/bin/time)
# Reference side: train_step_reference.py --threads T --batch B --steps K --configs NAME (one process per
# configuration, run right after the QuantScope one so both see the same machine load).
# EWGS delta update, QuantScope: there is no CLI option that times one update, so two `train` runs on synthetic
# data differ only in backward=ewgs (an update before each of the 3 steps) vs backward=ste; the difference divided
# by the number of updates (counted in metrics.jsonl) is the cost of one update (3 batches). Reference: the update
# timed directly. Both are also given in units of one APoT W2A2 + EWGS training step of the same side.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="$here/../build-bench/app/cli/quantscope-cli"
threads=2
steps=5
batch=128
py=/usr/bin/python3
ewgs_update=1
ewgs_batch=128   # images per batch of the delta update (the reference: the training batch)
ewgs_batches=3   # batches per delta update (the reference: 3)
ewgs_modes="per-tensor joint"
ewgs_only=0      # 1: of the step table, only APoT W2A2 + EWGS (the unit of the update cost)
while [[ $# -gt 0 ]]; do
    case "$1" in
    --cli) cli="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --python) py="$2"; shift 2 ;;
    --no-ewgs-update) ewgs_update=0; shift ;;
    --ewgs-only) ewgs_only=1; shift ;;
    --ewgs-modes) ewgs_modes="${2//,/ }"; shift 2 ;;
    --ewgs-batch) ewgs_batch="$2"; shift 2 ;;
    --ewgs-batches) ewgs_batches="$2"; shift 2 ;;
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
    *) echo "run_train_bench.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -x "$cli" ]] || { echo "run_train_bench.sh: no executable CLI at $cli (build it first)" >&2; exit 2; }
[[ "$threads" -ge 1 ]] || { echo "run_train_bench.sh: --threads must be >= 1 (the same count on both sides)" >&2; exit 2; }

work="$(mktemp -d /tmp/qs-train-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
ref="$here/reference/train_step_reference.py"
results="$work/results.jsonl"
: >"$results"

# name | quantscope-cli arguments | reference configuration
configs=(
    "FP (8-bit first/last)|--quant fp --bits 4|fp"
    "APoT W2A2|--quant apot --bits 2|apot-w2a2"
    "APoT W4A4|--quant apot --bits 4|apot-w4a4"
    "APoT W2A2 + EWGS|--quant apot --bits 2 --ewgs|apot-w2a2-ewgs"
)

[[ "$ewgs_only" == 1 ]] && configs=("${configs[3]}")
echo "running: threads $threads, batch $batch, steps $steps" >&2
for entry in "${configs[@]}"; do
    IFS='|' read -r name qsargs refname <<<"$entry"
    # shellcheck disable=SC2086
    cmd=("$cli" bench train-step --arch resnet20 $qsargs --batch "$batch" --steps "$steps" --threads "$threads")
    echo "  ${cmd[*]}" >&2
    /usr/bin/time -v -o "$work/time.txt" "${cmd[@]}" >"$work/qs.json"
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    echo "  $py $ref --threads $threads --batch $batch --steps $steps --configs $refname" >&2
    "$py" "$ref" --threads "$threads" --batch "$batch" --steps "$steps" --configs "$refname" >"$work/ref.json"
    "$py" - "$name" "$refname" "$rss" "$work/qs.json" "$work/ref.json" >>"$results" <<'EOF'
import json, sys
name, refname, rss, qs, ref = sys.argv[1:]
q = json.loads(open(qs).read().strip().splitlines()[-1])
r = json.loads(open(ref).read().strip().splitlines()[-1])
print(json.dumps({"kind": "step", "name": name, "ref": refname, "qs": q, "pt": r, "qs_max_rss_kb": int(rss)}))
EOF
done

if [[ "$ewgs_update" == 1 ]]; then
    common=(--preset quick-synthetic --set method=apot wbits=2 abits=2 ewgs_update=iterations ewgs_update_every=1
        ewgs_update_start=0 ewgs_batches="$ewgs_batches" max_steps=3 batch_size="$ewgs_batch"
        dataset=synthetic:$((3 * ewgs_batch)) epochs=1
        augment=false threads="$threads")
    for mode in $ewgs_modes; do
        for backward in ste ewgs; do
            out="$work/run-$mode-$backward"
            cmd=("$cli" train "${common[@]}" backward="$backward" hutchinson_mode="$mode" --out "$out")
            echo "  ${cmd[*]}" >&2
            t0=$(date +%s.%N)
            "${cmd[@]}" >/dev/null 2>"$work/train.err" || { cat "$work/train.err" >&2; exit 1; }
            t1=$(date +%s.%N)
            updates=$(grep -c '"type": *"ewgs_update"' "$out/metrics.jsonl" || true)
            echo "{\"kind\": \"train\", \"mode\": \"$mode\", \"backward\": \"$backward\", \"seconds\": $(echo "$t1 - $t0" | bc -l), \"updates\": $updates}" >>"$results"
        done
    done
    echo "  $py $ref --threads $threads --batch $batch --steps $steps --configs apot-w2a2-ewgs --ewgs-update --ewgs-batch $ewgs_batch --ewgs-batches $ewgs_batches" >&2
    "$py" "$ref" --threads "$threads" --batch "$batch" --steps "$steps" --configs apot-w2a2-ewgs --ewgs-update \
        --ewgs-batch "$ewgs_batch" --ewgs-batches "$ewgs_batches" --ewgs-modes "${ewgs_modes// /,}" \
        2>/dev/null | "$py" -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    r["kind"] = "ref_update" if r.get("measure") == "ewgs-delta-update" else "ref_step"
    print(json.dumps(r))' >>"$results"
fi

"$py" - "$results" "$threads" "$batch" "$steps" "$ewgs_batch" "$ewgs_batches" <<'EOF'
import json, sys
path, threads, batch, steps, ewgs_batch, ewgs_batches = sys.argv[1:]
rows = [json.loads(l) for l in open(path) if l.strip()]
step = [r for r in rows if r["kind"] == "step"]
print("Threads %s, batch %s, %s timed steps after 2 warm-up steps, ResNet-20 (option A), CPU.\n" % (threads, batch, steps))
print("| configuration | QuantScope images/s | PyTorch reference images/s | ratio | QuantScope max RSS |")
print("|---|---:|---:|---:|---:|")
by = {}
for r in step:
    q, p = r["qs"]["images_per_second"], r["pt"]["images_per_second"]
    by[r["ref"]] = (q, p, r["qs"]["ms_per_step"], r["pt"]["ms_per_step"])
    print("| %s | %.1f | %.1f | %.2fx | %.0f MiB |" % (r["name"], q, p, q / p, r["qs_max_rss_kb"] / 1024))
print()
goals = []
if "apot-w2a2" in by and "fp" in by:
    v = by["apot-w2a2"][0] / by["fp"][1]
    goals.append(("APoT W2A2 (QuantScope) >= 0.75x PyTorch FP", v, 0.75))
if "apot-w4a4" in by:
    v = by["apot-w4a4"][0] / by["apot-w4a4"][1]
    goals.append(("APoT W4A4 (QuantScope) >= 4x reference APoT W4A4", v, 4.0))
print("| goal | measured | met |")
print("|---|---:|---|")
for text, v, target in goals:
    print("| %s | %.2fx | %s |" % (text, v, "yes" if v >= target else "**no**"))
train = [r for r in rows if r["kind"] == "train"]
upd = [r for r in rows if r["kind"] == "ref_update"]
if train or upd:
    qs_step_ms = by.get("apot-w2a2-ewgs", (0, 0, 0, 0))[2]
    ref_steps = [r for r in rows if r["kind"] == "ref_step"]
    pt_step_ms = ref_steps[-1]["ms_per_step"] if ref_steps else by.get("apot-w2a2-ewgs", (0, 0, 0, 0))[3]
    print("\nOne EWGS delta update (%s batch(es) of %s images, APoT W2A2, Hutchinson maxIter 50, tol 1e-3), in seconds "
          "and in training steps (batch %s) of APoT W2A2 + EWGS on the same side (QuantScope %.0f ms, reference %.0f ms "
          "per step).\n" % (ewgs_batches, ewgs_batch, batch, qs_step_ms, pt_step_ms))
    print("| Hutchinson | QuantScope s | QuantScope steps | reference s | reference steps | reference HVPs |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode in ("per-tensor", "joint"):
        t = {r["backward"]: r for r in train if r["mode"] == mode}
        qs_s = qs_n = None
        if "ste" in t and "ewgs" in t and t["ewgs"]["updates"] > 0:
            qs_s = (t["ewgs"]["seconds"] - t["ste"]["seconds"]) / t["ewgs"]["updates"]
            qs_n = t["ewgs"]["updates"]
        u = [r for r in upd if r["hutchinson_mode"] == mode]
        cells = ["%.2f (over %d updates)" % (qs_s, qs_n) if qs_s is not None else "n/a",
                 "%.1f" % (1000 * qs_s / qs_step_ms) if qs_s is not None and qs_step_ms else "n/a"]
        if u:
            cells += ["%.2f" % u[0]["seconds"], "%.1f" % (1000 * u[0]["seconds"] / pt_step_ms) if pt_step_ms else "n/a",
                      "%d" % u[0]["hessian_vector_products"]]
        else:
            cells += ["n/a"] * 3
        print("| %s | %s |" % (mode, " | ".join(cells)))
    for r in train:
        print("\n<!-- train %s backward=%s: %.2f s, %d updates -->" % (r["mode"], r["backward"], r["seconds"], r["updates"]), end="")
    print()
print("\nRaw results: " + json.dumps(rows))
EOF
