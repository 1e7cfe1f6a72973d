#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine: installs the missing apt packages, configures, builds, then
#   scripts/quantscope.sh run    starts the GUI on its embedded default
#   scripts/quantscope.sh test   runs every test (what .ci/run calls)
#   scripts/quantscope.sh build  only builds
#   scripts/quantscope.sh fuzz   builds the libFuzzer harnesses (clang, ASan+UBSan) in build-fuzz/ and runs each
#                                for FUZZ_SECONDS (default 60) or FUZZ_RUNS executions (docs/reliability.md)
#   scripts/quantscope.sh sanitize  builds the tests with ASan+UBSan in build-asan/ and runs ctest there
# Environment: BUILD_DIR (default build), JOBS (default: number of cores), QUANTSCOPE_SKIP_APT=1 to skip apt,
# QUANTSCOPE_WERROR=1 to treat compiler warnings as errors (CI does).
# fuzz: FUZZ_BUILD_DIR (build-fuzz), FUZZ_SECONDS (60 per harness), FUZZ_RUNS (executions per harness, instead of
#   the time limit: 1000000 is the reliability goal), FUZZ_TIMEOUT (10 s per input: a slower input is a hang),
#   FUZZ_HARNESSES (space separated, default all). New inputs go to FUZZ_BUILD_DIR/corpus/, findings to
#   FUZZ_BUILD_DIR/artifacts/; the committed seeds in tests/fuzz/corpus/ are only read.
# sanitize: SANITIZE_BUILD_DIR (build-asan), SANITIZE_SCOPE=core (CI: the core tests only) or all (every test).
set -euo pipefail

action=${1:-run}
shift || true
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
jobs=${JOBS:-$(nproc)}

packages=(
    build-essential cmake ninja-build ccache pkg-config
    libtorch-dev libeigen3-dev nlohmann-json3-dev python3-torch zlib1g-dev
    qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6svg6-dev libqt6opengl6-dev qt6-qpa-plugins
    libgl1-mesa-dev libvulkan-dev libxkbcommon-dev fonts-dejavu-core libgif-dev libwebp-dev
    dataset-fashion-mnist
)

install_missing_packages() {
    [ "${QUANTSCOPE_SKIP_APT:-0}" = 1 ] && return 0
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "quantscope: installing ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

configure_and_build() {
    local werror=OFF
    [ "${QUANTSCOPE_WERROR:-0}" = 1 ] && werror=ON
    cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQUANTSCOPE_WERROR="$werror"
    cmake --build "$build_dir" -j "$jobs"
}

# ASan/UBSan settings shared by `fuzz` and `sanitize`; tests/fuzz/sanitizer-suppressions.md says why for each.
export_sanitizer_options() {
    # fast_unwind_on_malloc=0: LibTorch is built without frame pointers, so only the slow unwinder sees the
    # libtorch frames an allocation stack needs for tests/fuzz/lsan.supp to match it (and for readable reports).
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:fast_unwind_on_malloc=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0}
}

fuzz_harnesses=(torchformat qsckpt cifar idx gzip metrics config)

run_fuzzers() {
    local fuzz_dir=${FUZZ_BUILD_DIR:-$root/build-fuzz}
    local werror=OFF
    [ "${QUANTSCOPE_WERROR:-0}" = 1 ] && werror=ON
    CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$fuzz_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DQUANTSCOPE_FUZZ=ON -DQUANTSCOPE_WERROR="$werror"
    cmake --build "$fuzz_dir" -j "$jobs" --target fuzzers
    export_sanitizer_options
    # The fast unwinder: the slow one makes a torch-heavy input 5-10x slower (a 1.3 s .qsckpt input took 22 s
    # and tripped -timeout on the loaded CI-sized machine).
    export ASAN_OPTIONS=${ASAN_OPTIONS/fast_unwind_on_malloc=0/fast_unwind_on_malloc=1}
    # One thread per harness: torch's intra-op pool only adds scheduling noise to one small input at a time.
    export OMP_NUM_THREADS=1
    local limit=(-max_total_time="${FUZZ_SECONDS:-60}")
    [ -n "${FUZZ_RUNS:-}" ] && limit=(-runs="$FUZZ_RUNS")
    local harnesses=(${FUZZ_HARNESSES:-${fuzz_harnesses[@]}})
    local failed=0 summary=()
    for h in "${harnesses[@]}"; do
        local work="$fuzz_dir/corpus/$h" artifacts="$fuzz_dir/artifacts/$h" log="$fuzz_dir/fuzz-$h.log"
        mkdir -p "$work" "$artifacts"
        local dict=() leaks=()
        [ -f "$root/tests/fuzz/dict/$h.dict" ] && dict=(-dict="$root/tests/fuzz/dict/$h.dict")
        # LibTorch 1.13 leaks its zip reader on every malformed archive (tests/fuzz/sanitizer-suppressions.md);
        # with the fast unwinder fuzzing needs, that leak cannot be told apart from ours, so the two harnesses
        # that open archives do not check leaks (the sanitize suite does, with the slow unwinder).
        local asan_options=$ASAN_OPTIONS
        case "$h" in torchformat | qsckpt)
            leaks=(-detect_leaks=0) # per input; ASAN_OPTIONS below turns off the check at exit too
            asan_options=${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0} ;;
        esac
        echo "quantscope: fuzzing $h (${limit[*]}), log $log"
        local start=$SECONDS rc=0
        ASAN_OPTIONS=$asan_options "$fuzz_dir/tests/fuzz/fuzz_$h" "${limit[@]}" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=4096 \
            -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" "${leaks[@]}" \
            "$work" "$root/tests/fuzz/corpus/$h" >"$log" 2>&1 || rc=$?
        local execs
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        local result=ok
        if [ "$rc" -ne 0 ]; then
            result="FAILED (exit $rc): $(grep -m1 -E '^==[0-9]+==ERROR|SUMMARY|escaped|ALARM|timeout|leak' "$log" || tail -1 "$log")"
            failed=1
            tail -40 "$log" >&2
        fi
        summary+=("$(printf '%-12s %10s executions %6ss  %s' "$h" "${execs:-?}" $((SECONDS - start)) "$result")")
    done
    printf '%s\n' "quantscope: fuzz summary (artifacts in $fuzz_dir/artifacts/)" "${summary[@]}"
    return $failed
}

run_sanitized_tests() {
    local asan_dir=${SANITIZE_BUILD_DIR:-$root/build-asan}
    # Warnings are errors in the normal build; gcc's middle end warns differently once instrumented
    # (-Wmaybe-uninitialized and friends), so this build does not fail on them.
    local werror=OFF
    cmake -S "$root" -B "$asan_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DQUANTSCOPE_SANITIZE=address,undefined -DQUANTSCOPE_WERROR="$werror"
    export_sanitizer_options
    # QTest fails a test function after 300 s; instrumented double backwards (tst_hutchinson's finite-difference
    # check) take longer than that on a loaded 2-core machine. ctest's own per-test timeout still applies.
    export QTEST_FUNCTION_TIMEOUT=${QTEST_FUNCTION_TIMEOUT:-1200000}
    cd "$asan_dir"
    if [ "${SANITIZE_SCOPE:-core}" = all ]; then
        cmake --build . -j "$jobs"
        QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "$jobs" "$@"
    else
        cmake --build . -j "$jobs" --target core_tests
        QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "$jobs" -L core "$@"
    fi
}

case "$action" in
fuzz)
    packages=(clang-14 libfuzzer-14-dev cmake ninja-build ccache libtorch-dev libeigen3-dev nlohmann-json3-dev
              zlib1g-dev)
    install_missing_packages
    run_fuzzers
    ;;
sanitize)
    install_missing_packages
    run_sanitized_tests "$@"
    ;;
run)
    install_missing_packages
    configure_and_build
    exec "$build_dir/app/gui/quantscope" "$@"
    ;;
test)
    # The Slurm sweep test (tests/slurm/run_slurm_test.sh) starts a single-node Slurm from these; it skips
    # without them or without root.
    packages+=(slurmctld slurmd slurm-client munge)
    # tst_deploy builds the generated C for a Cortex-M3 and runs it under QEMU (it skips without them).
    packages+=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)
    install_missing_packages
    configure_and_build
    cd "$build_dir"
    QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "$jobs" "$@"
    ;;
build)
    install_missing_packages
    configure_and_build
    ;;
*)
    echo "usage: scripts/quantscope.sh run|test|build|fuzz|sanitize" >&2
    exit 2
    ;;
esac
