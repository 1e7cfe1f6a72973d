#!/usr/bin/env bash
# The reliability run of docs/reliability.md: 10^6 executions of every libFuzzer harness (ASan + UBSan), one
# after another; at a few hundred executions per second under ASan a torch harness takes hours, so run it
# overnight or name harnesses: FUZZ_HARNESSES="config metrics" scripts/fuzz-long.sh
# Findings go to build-fuzz/artifacts/<harness>/, the per-harness executions to the summary printed at the end.
set -euo pipefail
export FUZZ_RUNS=${FUZZ_RUNS:-1000000}
exec "$(dirname "${BASH_SOURCE[0]}")/quantscope.sh" fuzz "$@"
