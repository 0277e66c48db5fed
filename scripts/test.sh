#!/usr/bin/env bash
# Installs dependencies (with QGIS for the GIS test), checks the format, runs the kernel and
# pipeline tests under AddressSanitizer + UBSan, then builds zonewatch optimised and runs the
# end-to-end tests and the fuzz corpus replays with ctest. Every test runs once: the kernel and
# pipeline tests under the sanitizers, which check more than the optimised build, and not a
# second time there (building and running them twice took CI past its 45 minutes: 47 min on
# 4 December 2026). `scripts/build.sh` then `ctest` in build/ runs the whole suite at once.
# End-to-end tests on the real data in ../shared/data skip with a message where it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --gis  # the tests open the outputs in QGIS
bash scripts/format.sh --check
SANITIZE_TARGETS="kernels_tests pipeline_tests" bash scripts/sanitize.sh asan -L "kernels|pipeline"
# The program a user builds, its benchmark, and what the end-to-end and fuzz tests run.
BUILD_TARGETS="zonewatch zonewatch_kernel_bench e2e_tests fuzz_replays" bash scripts/build.sh
# Last, so that its summary ends the output.
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 900 -L "e2e|fuzz")
