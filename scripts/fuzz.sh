#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan + UBSan, build-fuzz/) and runs
# each for a while over a working copy of its corpus. docs/FUZZING.md.
#
#   scripts/fuzz.sh [SECONDS | -runs=N] [TARGET...]
#     SECONDS     time per target (default 60)
#     -runs=N     N executions per target instead (capped at FUZZ_MAX_TIME seconds, default 1800)
#     TARGET      e.g. scan_config landsat_mtl (default: every tests/fuzz/*_fuzz.cpp)
#
# Targets run one at a time, niced (the machine is shared). New inputs go to
# build-fuzz/fuzz/corpus/<target>/ (the seed corpus and regression inputs in tests/fuzz are
# read, never written); logs to build-fuzz/fuzz/logs/<target>.log; a crash, leak or timeout
# leaves its reproducer in build-fuzz/fuzz/artifacts/<target>/ and makes the script exit 1.
# Environment: FUZZ_JOBS (build parallelism, default 2), FUZZ_NO_BUILD=1 (use what is built).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

limit="-max_total_time=60"
label="60 s"
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then
  limit="-max_total_time=$1"
  label="$1 s"
  shift
elif [[ $# -gt 0 && "$1" =~ ^-runs=[0-9]+$ ]]; then
  limit="$1 -max_total_time=${FUZZ_MAX_TIME:-1800}"
  label="${1#-runs=} runs"
  shift
fi

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for source in tests/fuzz/*_fuzz.cpp; do
    name=$(basename "$source" _fuzz.cpp)
    targets+=("$name")
  done
fi

if [[ "${FUZZ_NO_BUILD:-0}" != 1 ]]; then
  launcher=()
  if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  nice -n 10 cmake --preset fuzz "${launcher[@]}" > /dev/null
  build_targets=()
  for name in "${targets[@]}"; do build_targets+=(--target "${name}_fuzz"); done
  nice -n 10 cmake --build build-fuzz "${build_targets[@]}" -j"${FUZZ_JOBS:-2}"
fi

out="$root/build-fuzz/fuzz"
mkdir -p "$out/logs"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
summary=()
for name in "${targets[@]}"; do
  binary="$root/build-fuzz/tests/fuzz/${name}_fuzz"
  [[ -x "$binary" ]] || { echo "fuzz.sh: $binary is not built" >&2; exit 2; }
  corpus="$out/corpus/$name"
  artifacts="$out/artifacts/$name"
  log="$out/logs/$name.log"
  mkdir -p "$corpus" "$artifacts"
  seeds=("$root/tests/fuzz/corpus/$name")
  [[ -d "$root/tests/fuzz/regressions/$name" ]] && seeds+=("$root/tests/fuzz/regressions/$name")
  dict=()
  [[ -f "$root/tests/fuzz/$name.dict" ]] && dict=("-dict=$root/tests/fuzz/$name.dict")
  echo "== $name ($label)"
  set +e
  # shellcheck disable=SC2086  # $limit holds one or two options
  (cd "$out" && nice -n 10 "$binary" $limit -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "${dict[@]}" -artifact_prefix="$artifacts/" "$corpus" "${seeds[@]}") > "$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  if [[ $rc -eq 0 ]]; then
    result="clean"
  else
    status=1
    reproducer=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -1 | sed 's/Test unit written to //' || true)
    kind=$(grep -o -m1 'ERROR: [A-Za-z]*Sanitizer: [a-z-]*\|ERROR: libFuzzer: [a-z-]*\|runtime error' "$log" || true)
    result="FAILED (${kind:-exit $rc}) reproducer: ${reproducer:-see $log}"
  fi
  line=$(printf '%-16s %12s execs %8s exec/s  %s' "$name" "${execs:-?}" "${rate:-?}" "$result")
  echo "$line"
  summary+=("$line")
done

echo
echo "== summary (logs in $out/logs)"
printf '%s\n' "${summary[@]}"
exit $status
