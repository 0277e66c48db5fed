#!/usr/bin/env bash
# Installs dependencies (with QGIS for the GIS test), checks the format, builds zonewatch with its
# tests, runs the kernel and pipeline tests under AddressSanitizer + UBSan, then the whole suite with ctest.
# End-to-end tests on the real data in ../shared/data skip with a message where it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --gis  # the tests open the outputs in QGIS
bash scripts/format.sh --check
bash scripts/build.sh
# The kernel and pipeline tests under AddressSanitizer + UBSan. The end-to-end tests under
# ASan would take CI past its 45 minutes; `scripts/sanitize.sh asan` runs them all.
SANITIZE_TARGETS="kernels_tests pipeline_tests" bash scripts/sanitize.sh asan -L "kernels|pipeline"
# The whole suite last, so that its summary ends the output.
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 900)
