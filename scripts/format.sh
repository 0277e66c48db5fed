#!/usr/bin/env bash
# Formats zonewatch's C++ with clang-format and the style in .clang-format.
#   scripts/format.sh           rewrite the files in place (developers)
#   scripts/format.sh --check   change nothing; list the files that differ and exit 1 (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-fix}"
command -v clang-format >/dev/null || { echo "format: clang-format is not installed (scripts/setup.sh installs it)" >&2; exit 2; }
mapfile -t files < <(git ls-files -- '*.cpp' '*.hpp' '*.hpp.in')
case "$mode" in
  fix) clang-format -i --style=file "${files[@]}" ;;
  --check)
    differ=()
    for f in "${files[@]}"; do
      clang-format --style=file "$f" | cmp -s - "$f" || differ+=("$f")
    done
    if ((${#differ[@]} > 0)); then
      echo "format: ${#differ[@]} file(s) differ from .clang-format; run scripts/format.sh:" >&2
      printf '  %s\n' "${differ[@]}" >&2
      exit 1
    fi
    echo "format: ${#files[@]} files follow .clang-format" ;;
  *) echo "usage: scripts/format.sh [--check]" >&2; exit 2 ;;
esac
