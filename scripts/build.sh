#!/usr/bin/env bash
# Configures and builds zonewatch into build/ (Ninja, RelWithDebInfo, tests on, warnings as errors).
#   scripts/build.sh [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZONEWATCH_WERROR=ON "$@" >/dev/null
cmake --build build -j"$(nproc)"
