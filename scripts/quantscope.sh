#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine: installs the missing apt packages, configures, builds, then
#   scripts/quantscope.sh run    starts the GUI on its embedded default
#   scripts/quantscope.sh test   runs every test (what .ci/run calls)
#   scripts/quantscope.sh build  only builds
# Environment: BUILD_DIR (default build), JOBS (default: number of cores), QUANTSCOPE_SKIP_APT=1 to skip apt,
# QUANTSCOPE_WERROR=1 to treat compiler warnings as errors (CI does).
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
    libgl1-mesa-dev libvulkan-dev libxkbcommon-dev fonts-dejavu-core
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

case "$action" in
run)
    install_missing_packages
    configure_and_build
    exec "$build_dir/app/gui/quantscope" "$@"
    ;;
test)
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
    echo "usage: scripts/quantscope.sh run|test|build" >&2
    exit 2
    ;;
esac
