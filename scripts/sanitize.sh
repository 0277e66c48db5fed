#!/usr/bin/env bash
# Builds the test suite under the sanitizers and runs it:
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer (the `asan` preset: GCC, Debug, build-asan/)
#   tsan  ThreadSanitizer (the `tsan` preset: clang, -O1, build-tsan/); OpenMP regions are
#         checked through LLVM's Archer tool, TBB's and GDAL's own threads through their calls
#         into our code; tests/sanitizers/tsan.supp says what is suppressed and why
#
#   scripts/sanitize.sh [asan|tsan|all] [ctest arguments...]
#   scripts/sanitize.sh tsan -L kernels          # only the kernel tests
#   scripts/sanitize.sh asan -R 'TileEngine|Store'
#
# SANITIZE_TARGETS="kernels_tests pipeline_tests" builds only those targets (CI does, for the
# kernel and pipeline tests; by default everything is built).
#
# A sanitizer report fails the test that caused it (halt_on_error). Exit status: 0 when every
# selected test passed under every selected sanitizer, 1 otherwise, 2 for a wrong argument.
set -uo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
[ $# -gt 0 ] && shift
case "$which" in
  asan | tsan | all) ;;
  *) echo "sanitize.sh: unknown sanitizer '$which' (expected asan, tsan or all)" >&2; exit 2 ;;
esac
jobs="$(nproc)"
status=0
targets=()
for target in ${SANITIZE_TARGETS:-}; do targets+=(--target "$target"); done

run_asan() {
  cmake --preset asan >/dev/null && cmake --build build-asan -j"$jobs" "${targets[@]}" || return 1
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  local result=0
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 3600 -E '^MpiScanTest' "$@" || result=1
  # Under mpirun, Open MPI's plug-ins leave allocations at MPI_Finalize and are unloaded by
  # then, so LeakSanitizer cannot tell them from ours by name: those tests run without it.
  # Skipped where the selection holds none, so that no "No tests were found" ends the output.
  if ! ctest --test-dir build-asan -N -R '^MpiScanTest' "$@" | grep -q '^Total Tests: 0$'; then
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
      ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 3600 -R '^MpiScanTest' "$@" || result=1
  fi
  return "$result"
}

run_tsan() {
  cmake --preset tsan >/dev/null && cmake --build build-tsan -j"$jobs" "${targets[@]}" || return 1
  local archer
  archer="$(ls /usr/lib/llvm-*/lib/libarcher.so 2>/dev/null | sort -V | tail -1)"
  [ -n "$archer" ] || echo "sanitize.sh: libarcher.so not found (Debian's libomp-dev): OpenMP regions may report false races" >&2
  TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1 history_size=4 suppressions=$PWD/tests/sanitizers/tsan.supp}" \
  OMP_TOOL_LIBRARIES="$archer" ARCHER_OPTIONS="${ARCHER_OPTIONS:-verbose=0}" \
    ctest --test-dir build-tsan --output-on-failure -j"$jobs" --timeout 3600 "$@"
}

if [ "$which" = asan ] || [ "$which" = all ]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer"
  run_asan "$@" || status=1
fi
if [ "$which" = tsan ] || [ "$which" = all ]; then
  echo "== ThreadSanitizer"
  run_tsan "$@" || status=1
fi
exit "$status"
