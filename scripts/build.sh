#!/usr/bin/env bash
# Configures and builds zonewatch into build/ (Ninja, RelWithDebInfo, tests on, warnings as errors).
#   scripts/build.sh [extra cmake -D options]
# BUILD_TARGETS="zonewatch e2e_tests" builds only those targets (CI does; by default everything).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZONEWATCH_WERROR=ON "$@" >/dev/null
targets=()
for target in ${BUILD_TARGETS:-}; do targets+=(--target "$target"); done
cmake --build build -j"$(nproc)" "${targets[@]}"
