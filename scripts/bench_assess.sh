#!/usr/bin/env bash
# Benchmark of the annual assessment: time and peak memory to archive one year of a
# Sentinel-2-tile-sized scene with ~3,000 control units, the archive's size per year, and the
# time to assess the last of N archived years.
#
#   scripts/bench_assess.sh [WORKDIR] [--size N] [--years N]
#
#   WORKDIR    data, archive and logs (default /tmp/zonewatch-bench-assess); the scene pair is
#              generated once by scripts/make_bench_data.py (GDAL + numpy) and reused
#   --size N   pixels per side (default 10980, one Sentinel-2 tile)
#   --years N  years archived (default 10); the pair's two scenes alternate
#
# The synthetic scenes have four bands (blue, green, red, nir); a sensor profile written here
# reads nir and red again as swir1 and swir2, so that wetness and dryness are computed as for
# a real six-band scene (their values mean nothing; their cost is real). No thermal band.
# swir1 must stay above green on land: the land classes call a pixel water where MNDWI
# (green vs swir1) > 0, so with nir as swir1 MNDWI is NDWI and the vegetation, soil and water
# of the synthetic scene are classed as such (with red as swir1, vegetation came out water
# and half the units were "not assessed").
# Environment: ZONEWATCH_BIN, the binary to time (default: build-bench/, Release, as
# scripts/bench.sh builds it).
set -euo pipefail
die() { echo "bench_assess: $*" >&2; exit 1; }

repo=$(cd "$(dirname "$0")/.." && pwd)
W=/tmp/zonewatch-bench-assess
SIZE=10980
YEARS=10
while (($#)); do
  case $1 in
    --size) SIZE=${2:?--size needs a value}; shift 2 ;;
    --years) YEARS=${2:?--years needs a value}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) W=$1; shift ;;
  esac
done
((YEARS >= 1)) || die "--years must be at least 1"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: install the 'time' package (scripts/setup.sh --bench)"
PY=/usr/bin/python3
mkdir -p "$W/data" "$W/logs"

if [[ -z "${ZONEWATCH_BIN:-}" ]]; then
  cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release -DZONEWATCH_BUILD_TESTS=OFF \
    -DZONEWATCH_WERROR=OFF >/dev/null
  cmake --build "$repo/build-bench" -j"$(nproc)" --target zonewatch >/dev/null
  ZONEWATCH_BIN=$repo/build-bench/pipeline/zonewatch
fi
data=$W/data/s$SIZE
if [[ ! -f ${data}_units.gpkg ]]; then
  echo "bench_assess: generating the ${SIZE}² pair and units (once)"
  $PY "$repo/scripts/make_bench_data.py" "$SIZE" "$data"
fi
cat >"$W/six-band.yaml" <<'YAML'
# The 4-band synthetic stack read as six bands: nir and red again stand in for SWIR
# (swir1 above green on land, so that MNDWI does not call vegetation water).
name: bench-six-band
bands:
  blue: {index: 1}
  green: {index: 2}
  red: {index: 3}
  nir: {index: 4}
  swir1: {index: 4}
  swir2: {index: 3}
scale: 0.0001
nodata: 0
tasseled_cap: sentinel2_msi
YAML
archive=$W/archive.h5
rm -f "$archive" "$archive.lock"
for file in "${data}_A.tif" "${data}_B.tif"; do cat "$file" >/dev/null; done  # warm page cache

measure() {  # label, command...: prints "label wall_s rss_mb"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/logs/$label.time" "$@" >"$W/logs/$label.out" 2>"$W/logs/$label.err" ||
    die "$label failed: $(tail -3 "$W/logs/$label.err")"
  read -r wall rss <"$W/logs/$label.time"
  printf '%-14s %8.1f s %8.0f MB' "$label" "$wall" "$((rss / 1024))"
}

echo "zonewatch: $ZONEWATCH_BIN ($("$ZONEWATCH_BIN" --version)), ${SIZE}² px, $(nproc) cores"
previous=0
for ((i = 0; i < YEARS; i++)); do
  year=$((2015 + i))
  scene=${data}_A.tif
  ((i % 2 == 1)) && scene=${data}_B.tif
  measure "archive-$year" "$ZONEWATCH_BIN" archive --archive "$archive" --year "$year" --scene "$scene" \
    --date "$year-06-01" --sensor "$W/six-band.yaml" --units "${data}_units.gpkg" --units-layer units \
    --code-field unit_id --name-field '' --region-field '' --unit-type priority --no-progress
  size=$(stat -c %s "$archive")
  awk -v s="$size" -v p="$previous" 'BEGIN { printf "   archive %8.1f MB (+%.1f MB)\n", s / 1048576, (s - p) / 1048576 }'
  previous=$size
done
measure "assess" "$ZONEWATCH_BIN" assess --archive "$archive" --year $((2015 + YEARS - 1)) --out "$W/assessment" \
  --no-progress
echo
grep -h "units assessed\|RSEI calibrated" "$W/logs/archive-2015.out" || true
