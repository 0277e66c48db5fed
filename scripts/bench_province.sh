#!/usr/bin/env bash
# Benchmark of a province-sized scan on one machine: the 10980² tile pair of scripts/bench.sh,
# then a mosaic of N x N copies of it (default 3 x 3 = 32940², 1.08 Gpx per date, about a
# province's 10 m pixels per date), given to zonewatch as GDAL VRTs that place the copies side
# by side (no extra disk) with the units repeated over every copy. Prints wall time, Mpx/s and
# peak RSS of both: the cost should grow with the pixels, the memory stay flat at the budget.
#
#   scripts/bench_province.sh [WORKDIR] [--tiles N] [--size S] [--memory-mb M] [--threads T]
#
#   WORKDIR        data, outputs and logs (default /tmp/zonewatch-bench-province); the tile pair
#                  is generated once by scripts/make_bench_data.py (GDAL + numpy) and reused
#   --tiles N      copies per side of the mosaic (default 3)
#   --size S       pixels per side of one tile (default 10980, one Sentinel-2 tile)
#   --memory-mb M  tile memory budget given to both scans (default 1024)
#   --threads T    worker threads (default 0: all cores)
# Environment: ZONEWATCH_BIN, the binary to time (default: build-bench/, Release).
# Exits non-zero when data generation, the build or a scan fails.
set -euo pipefail
die() { echo "bench_province: $*" >&2; exit 1; }

repo=$(cd "$(dirname "$0")/.." && pwd)
W=/tmp/zonewatch-bench-province
TILES=3
SIZE=10980
MEMORY=1024
THREADS=0
while (($#)); do
  case $1 in
    --tiles) TILES=${2:?--tiles needs a value}; shift 2 ;;
    --size) SIZE=${2:?--size needs a value}; shift 2 ;;
    --memory-mb) MEMORY=${2:?--memory-mb needs a value}; shift 2 ;;
    --threads) THREADS=${2:?--threads needs a value}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) W=$1; shift ;;
  esac
done
for v in TILES SIZE MEMORY THREADS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "--${v,,} must be a whole number, not '${!v}'"
done
((TILES >= 1 && SIZE >= 64)) || die "--tiles must be at least 1 and --size at least 64"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: install the 'time' package (scripts/setup.sh --bench)"
PY=/usr/bin/python3
mkdir -p "$W/data" "$W/logs" "$W/out"

if [[ -z "${ZONEWATCH_BIN:-}" ]]; then
  { cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release -DZONEWATCH_BUILD_TESTS=OFF \
      -DZONEWATCH_WERROR=OFF && cmake --build "$repo/build-bench" --target zonewatch -j"$(nproc)"; } \
    >"$W/logs/build.log" 2>&1 || { tail -30 "$W/logs/build.log" >&2; die "build failed (log: $W/logs/build.log)"; }
  ZONEWATCH_BIN=$repo/build-bench/pipeline/zonewatch
fi
[[ -x $ZONEWATCH_BIN ]] || die "zonewatch binary $ZONEWATCH_BIN not found"

tile=$W/data/tile$SIZE
if [[ ! -s ${tile}_A.tif || ! -s ${tile}_B.tif || ! -s ${tile}_units.gpkg ]]; then
  echo "bench_province: generating the $SIZE² tile pair (once; minutes)"
  $PY "$repo/scripts/make_bench_data.py" "$SIZE" "$tile" >"$W/logs/make_tile.log" 2>&1 ||
    { tail -20 "$W/logs/make_tile.log" >&2; die "tile generation failed"; }
fi
mosaic=$W/data/mosaic${TILES}x$SIZE
if [[ ! -s ${mosaic}_units.gpkg ]]; then
  rm -f "${mosaic}_units.gpkg"
  $PY "$repo/scripts/make_province_bench_data.py" "$tile" "$TILES" "$mosaic" >"$W/logs/make_mosaic.log" 2>&1 ||
    { tail -20 "$W/logs/make_mosaic.log" >&2; die "mosaic generation failed"; }
fi

config() {  # config NAME A B UNITS
  cat >"$W/$1.yaml" <<YAML
# Written by scripts/bench_province.sh: the default detector on the synthetic pair.
name: bench-province-$1
before: {path: $2, date: 2023-06-01, sensor: sentinel2-stack-4band}
after: {path: $3, date: 2024-06-01, sensor: sentinel2-stack-4band}
units:
  path: $4
  layer: units
  fields: {code: unit_id, name: name, region: ""}
  default_type: priority
processing: {memory_mb: $MEMORY, tile_size: 0, threads: $THREADS}
output: {dir: $W/out/$1}
YAML
}
config tile "${tile}_A.tif" "${tile}_B.tif" "${tile}_units.gpkg"
config mosaic "${mosaic}_A.vrt" "${mosaic}_B.vrt" "${mosaic}_units.gpkg"

cat "${tile}_A.tif" "${tile}_B.tif" >/dev/null  # page cache warm: the mosaic reads the same files
printf '%-8s %14s %10s %10s %10s %12s\n' scan "pixels/date" "wall s" "cpu s" "Mpx/s" "peak RSS MiB"
declare -A mpxs rss
for name in tile mosaic; do
  side=$SIZE
  [[ $name == mosaic ]] && side=$((SIZE * TILES))
  tf=$W/logs/$name.time
  /usr/bin/time -f '%e %M %U %S' -o "$tf" "$ZONEWATCH_BIN" --no-progress scan --config "$W/$name.yaml" \
    >"$W/logs/$name.log" 2>&1 || { tail -20 "$W/logs/$name.log" >&2; die "the $name scan failed (log: $W/logs/$name.log)"; }
  read -r wall kb user sys <"$tf"
  mpxs[$name]=$(awk -v p="$side" -v w="$wall" 'BEGIN { printf "%.1f", p * p / 1e6 / w }')
  rss[$name]=$((kb / 1024))
  printf '%-8s %14s %10s %10s %10s %12s\n' "$name" "${side}²" "$wall" \
    "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')" "${mpxs[$name]}" "${rss[$name]}"
done
awk -v a="${mpxs[tile]}" -v b="${mpxs[mosaic]}" -v ra="${rss[tile]}" -v rb="${rss[mosaic]}" -v n="$TILES" 'BEGIN {
  printf "mosaic/tile: %.2f x the throughput on %d x the pixels; peak RSS %.2f x\n", b / a, n * n, rb / ra }'
echo "hotspots: tile $(($(wc -l <"$W/out/tile/hotspots.csv") - 1)), mosaic $(($(wc -l <"$W/out/mosaic/hotspots.csv") - 1))"
