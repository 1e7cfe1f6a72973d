#!/usr/bin/env bash
# Each checkpoint through `quantscope-cli deploy`: the C model's classes against the app's own evaluation on the
# first COUNT test images (--verify), then the Cortex-M3 build under QEMU (mps2-an385, -icount shift=0) on
# QEMU_COUNT of them: its classes against the host build's, and its instructions per image. Prints one Markdown
# row per checkpoint (docs/deploy.md). Builds nothing of QuantScope.
#
#   bench/run_deploy_check.sh --data cifar10:DIR [--cli PATH] [--count N] [--qemu-count K] [--out DIR] CKPT...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="$here/../build/app/cli/quantscope-cli"
data=""
count=2000
qemu_count=2
out="${TMPDIR:-/tmp}/qs-deploy-check"
checkpoints=()
while [[ $# -gt 0 ]]; do
    case "$1" in
    --cli) cli="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --qemu-count) qemu_count="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n 2,7p "$0"; exit 0 ;;
    -*) echo "run_deploy_check.sh: unknown argument $1" >&2; exit 2 ;;
    *) checkpoints+=("$1"); shift ;;
    esac
done
[[ -x "$cli" ]] || { echo "run_deploy_check.sh: no executable CLI at $cli (build it first)" >&2; exit 2; }
[[ -n "$data" && ${#checkpoints[@]} -gt 0 ]] || { echo "run_deploy_check.sh: give --data SPEC and checkpoints" >&2; exit 2; }
have_arm=1
for tool in arm-none-eabi-gcc qemu-system-arm; do command -v "$tool" >/dev/null || have_arm=0; done

echo "| model | images | agreement | top-1 app | top-1 C | flash B | arena B | multiplies | shifts | adds | QEMU = host | instructions / image |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
for ckpt in "${checkpoints[@]}"; do
    dir="$out/$(basename "$(dirname "$ckpt")")"
    json=$("$cli" deploy --weights "$ckpt" --out "$dir" --verify "$data" --count "$count" --format json)
    row=$(python3 -c '
import json, sys
j = json.loads(sys.argv[1]); v = j["verify"]
print("| %s | %d | %.2f %% | %.2f %% | %.2f %% | %d | %d | %d | %d | %d |" % (j["model"].split(" from ")[0], v["images"],
      v["agreement"], v["app_top1"], v["c_top1"], j["weight_bytes"] + j["parameter_bytes"], j["arena_bytes"],
      j["multiplies"], j["shifts"], j["adds"]))' "$json")
    if [[ $have_arm = 1 ]]; then
        make -s -C "$dir" cortex-m >/dev/null
        host=$("$dir/qs_model_host" "$dir/verify_images.bin" "$qemu_count")
        device=$(cd "$dir" && make -s run-qemu DATA=verify_images.bin COUNT="$qemu_count" 2>"$dir/qemu.err")
        ticks=$(sed -n 's/.* images, \([0-9]*\) SysTick ticks/\1/p' "$dir/qemu.err")
        same=$([[ "$host" == "$device" ]] && echo "yes ($qemu_count images)" || echo "NO")
        echo "$row $same | $((ticks * 40 / qemu_count)) |"
    else
        echo "$row (no arm-none-eabi-gcc/qemu-system-arm) | |"
    fi
done
