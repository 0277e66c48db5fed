#!/usr/bin/env bash
# Benchmark of period composites: a season of dated Sentinel-2-tile-sized scenes with clouds
# composited per pixel (zonewatch composite), and a full scan with that season as the before
# period against one later scene (zonewatch scan).
#
#   scripts/bench_composite.sh [WORKDIR] [--size N] [--scenes N] [--mode composite|scan|both]
#                              [--method median|max_ndvi|best_available] [--memory-mb M]
#
#   WORKDIR      data, configs, outputs and logs (default /tmp/zonewatch-bench-composite);
#                the data is generated once into WORKDIR/data (minutes at full size) and reused
#   --size N     pixels per side (default 10980, one Sentinel-2 tile at 10 m)
#   --scenes N   dated scenes in the season (default 12)
#   --mode M     composite (the composite alone), scan (a whole scan: before = the season's
#                composite, after = one scene, 100 units) or both (default)
#   --method M   composite method (default median)
#   --memory-mb  processing.memory_mb / --memory-mb (default 1024)
#
# Environment: ZONEWATCH_BIN, the binary to time (default: built here, Release, into
# build-bench-composite/). Data: scripts/make_composite_bench_data.py (GDAL's Python bindings
# and numpy; scripts/setup.sh installs them). Input files are read once before timing, so
# the page cache is as warm as it can be (the season is larger than most machines' RAM).
#
# Prints wall seconds, throughput in megapixel-scenes per second (SIZE^2 x SCENES / 1e6 /
# seconds of the composite) and peak RSS (/usr/bin/time), the decode floor (GDAL decoding
# the season once with all cores, nothing else) and the composite's ratio to it, and for the
# scan the composite stage's own seconds from run.json.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
die() { echo "bench_composite: $*" >&2; exit 1; }

repo=$(cd "$(dirname "$0")/.." && pwd)
W=/tmp/zonewatch-bench-composite
SIZE=10980
SCENES=12
MODE=both
METHOD=median
MEMORY=1024
while (($#)); do
  case $1 in
    --size) SIZE=${2:?--size needs a value}; shift 2 ;;
    --scenes) SCENES=${2:?--scenes needs a value}; shift 2 ;;
    --mode) MODE=${2:?--mode needs a value}; shift 2 ;;
    --method) METHOD=${2:?--method needs a value}; shift 2 ;;
    --memory-mb) MEMORY=${2:?--memory-mb needs a value}; shift 2 ;;
    -h|--help) usage 0 ;;
    -*) echo "bench_composite: unknown option $1" >&2; usage 2 ;;
    *) W=$1; shift ;;
  esac
done
for v in SIZE SCENES MEMORY; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "--${v,,} must be a whole number, not '${!v}'"
done
[[ $MODE =~ ^(composite|scan|both)$ ]] || die "--mode must be composite, scan or both"
[[ $METHOD =~ ^(median|max_ndvi|best_available)$ ]] || die "--method must be median, max_ndvi or best_available"
((SIZE >= 64 && SCENES >= 1 && SCENES <= 36)) || die "--size must be >= 64 and --scenes 1..36"

PY=/usr/bin/python3
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: install the 'time' package (scripts/setup.sh --bench)"
$PY -c 'from osgeo import gdal; import numpy' 2>/dev/null || die "$PY lacks GDAL or numpy (scripts/setup.sh)"
mkdir -p "$W/data" "$W/out" "$W/logs"
W=$(cd "$W" && pwd)

if [[ -n ${ZONEWATCH_BIN:-} ]]; then
  ZW=$ZONEWATCH_BIN
else
  echo "bench_composite: building zonewatch (Release) into $repo/build-bench-composite"
  { cmake -S "$repo" -B "$repo/build-bench-composite" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DZONEWATCH_BUILD_TESTS=OFF -DZONEWATCH_WERROR=OFF &&
    cmake --build "$repo/build-bench-composite" --target zonewatch -j"$(nproc)"; } >"$W/logs/build.log" 2>&1 ||
    { tail -30 "$W/logs/build.log" >&2; die "build failed (log: $W/logs/build.log)"; }
  ZW=$repo/build-bench-composite/pipeline/zonewatch
fi
[[ -x $ZW ]] || die "zonewatch binary $ZW not found"

# ---- data ------------------------------------------------------------------------------
D=$W/data/s${SIZE}_n${SCENES}
if [[ $(ls "$D"/season/S2STACK_*.tif 2>/dev/null | wc -l) -eq $SCENES && -s $D/units.gpkg ]]; then
  echo "bench_composite: reusing $D"
else
  echo "bench_composite: generating $SCENES scenes of ${SIZE}x${SIZE} into $D (once; minutes at full size)"
  rm -rf "$D"
  t0=$SECONDS
  $PY "$repo/scripts/make_composite_bench_data.py" "$SIZE" "$D" --scenes "$SCENES" >"$W/logs/make_data.log" 2>&1 ||
    { tail -20 "$W/logs/make_data.log" >&2; die "data generation failed"; }
  echo "bench_composite: data done in $((SECONDS - t0)) s ($(du -sh "$D" | cut -f1))"
fi
last=$(ls "$D"/season/S2STACK_*.tif | sed 's/.*S2STACK_\(.*\)\.tif/\1/' | sort | tail -1)
PERIOD=2024-06-01..$last
cat "$D"/season/*.tif "$D"/after/*.tif >/dev/null  # page cache as warm as RAM allows

mpx_scenes=$(awk -v n="$SIZE" -v k="$SCENES" 'BEGIN { printf "%.1f", n * n * k / 1e6 }')
rss_mb() { awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$1"; }
wall_s() {
  awk '/Elapsed \(wall clock\)/ { n = split($NF, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.1f", s }' "$1"
}
echo "bench_composite: $SCENES scenes x ${SIZE}x${SIZE} px = $mpx_scenes Mpx-scenes, $METHOD, memory_mb $MEMORY," \
     "$(nproc) cores, binary $ZW"

if [[ $MODE != scan ]]; then
  rm -f "$W/out/composite.tif"
  /usr/bin/time -v "$ZW" composite --no-progress --period "$PERIOD" --source "$D/season" \
      --sensor sentinel2-stack-4band --method "$METHOD" --memory-mb "$MEMORY" -o "$W/out/composite.tif" \
      >"$W/logs/composite.out" 2>"$W/logs/composite.log" ||
    { tail -20 "$W/logs/composite.log" >&2; die "zonewatch composite failed (log: $W/logs/composite.log)"; }
  s=$(wall_s "$W/logs/composite.log")
  printf 'composite  wall %8.1f s  %8.1f Mpx-scenes/s  peak RSS %6s MB  (%s)\n' "$s" \
    "$(awk -v m="$mpx_scenes" -v s="$s" 'BEGIN { print m / s }')" "$(rss_mb "$W/logs/composite.log")" \
    "$(tail -1 "$W/logs/composite.out")"
  # The floor: GDAL decoding every band of every scene (all cores) and nothing else.
  floor=$($PY - "$D"/season/*.tif <<'PYEOF'
import sys, time
from osgeo import gdal
gdal.UseExceptions()
gdal.SetConfigOption("GDAL_NUM_THREADS", "ALL_CPUS")
start = time.perf_counter()
for path in sys.argv[1:]:
    ds = gdal.Open(path)
    rows = ds.GetRasterBand(1).GetBlockSize()[1]
    for y in range(0, ds.RasterYSize, rows):
        ds.ReadAsArray(0, y, ds.RasterXSize, min(rows, ds.RasterYSize - y))
print(f"{time.perf_counter() - start:.1f}")
PYEOF
)
  printf 'decode floor %6.1f s  (GDAL, all cores, the %s scenes decoded once)  composite / floor %.2f\n' "$floor" \
    "$SCENES" "$(awk -v c="$s" -v f="$floor" 'BEGIN { print c / f }')"
fi

if [[ $MODE != composite ]]; then
  cat >"$W/scan.yaml" <<EOF
name: bench-composite
before:
  period: "$PERIOD"
  sources: [$D/season]
  sensor: sentinel2-stack-4band
  composite: $METHOD
after: {path: $D/after/S2STACK_2025-07-01.tif, date: 2025-07-01, sensor: sentinel2-stack-4band}
units: {path: $D/units.gpkg}
# The synthetic clearings keep NDVI ~0.2 (bare soil of the generator), above the default
# persistent-vegetation line of 0.15: without this the scan would suppress every patch
# and time no hotspot work at all.
detection: {typing: {suppress_persistent_vegetation: false}}
processing: {memory_mb: $MEMORY}
output: {dir: $W/out/scan}
EOF
  /usr/bin/time -v "$ZW" scan --no-progress --config "$W/scan.yaml" >"$W/logs/scan.out" 2>"$W/logs/scan.log" ||
    { tail -20 "$W/logs/scan.log" >&2; die "zonewatch scan failed (log: $W/logs/scan.log)"; }
  s=$(wall_s "$W/logs/scan.log")
  c=$($PY -c 'import json,sys; print("%.1f" % json.load(open(sys.argv[1]))["timings_s"]["composite"])' "$W/out/scan/run.json")
  printf 'scan       wall %8.1f s  composite stage %.1f s = %.1f Mpx-scenes/s  peak RSS %6s MB  (%s)\n' "$s" "$c" \
    "$(awk -v m="$mpx_scenes" -v s="$c" 'BEGIN { print m / s }')" "$(rss_mb "$W/logs/scan.log")" \
    "$(head -1 "$W/logs/scan.out")"
fi
