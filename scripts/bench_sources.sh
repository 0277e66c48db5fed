#!/usr/bin/env bash
# Source tracing speed: the bundled sample scanned with a synthetic registry of N random
# points (default 10000) over the scanned area, with and without a river network of M random
# south-flowing lines (default 200). Prints the hotspots, sites and the tracing stage's seconds
# from run.json (timings_s.sources).
#   scripts/bench_sources.sh [OUT_DIR] [N] [M]
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-/tmp/zw-bench-sources}")"
n="${2:-10000}"
m="${3:-200}"
bin="${ZONEWATCH_BIN:-build/pipeline/zonewatch}"
[[ -x "$bin" ]] || { echo "bench_sources: $bin not built" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out"
# The sample grid: 623130..628320 E, 3250660..3258550 N (UTM 48N).
python3 - "$out" "$n" "$m" <<'PY'
import random, sys
out, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(12)
with open(f"{out}/sites.csv", "w") as f:
    f.write("id,name,x,y\n")
    for i in range(n):
        f.write(f"E{i:05d},企业{i},{random.uniform(621000, 630500):.1f},{random.uniform(3248500, 3260700):.1f}\n")
with open(f"{out}/rivers.csv", "w") as f:
    f.write("id,WKT\n")
    for i in range(m):
        x = random.uniform(621000, 630500)
        pts = [(x + random.uniform(-300, 300), 3260700 - k * 500) for k in range(26)]
        f.write(f'{i},"LINESTRING (' + ",".join(f"{a:.1f} {b:.1f}" for a, b in pts) + ')"\n')
PY
ogr2ogr -q -f GPKG "$out/sites.gpkg" "$out/sites.csv" -nln sites -a_srs EPSG:32648 \
  -oo X_POSSIBLE_NAMES=x -oo Y_POSSIBLE_NAMES=y -oo KEEP_GEOM_COLUMNS=NO
ogr2ogr -q -f GPKG "$out/rivers.gpkg" "$out/rivers.csv" -nln rivers -a_srs EPSG:32648 -nlt LINESTRING
common=(--set "sources.registries.permits.kind=enterprise" --set "sources.registries.permits.path=$out/sites.gpkg"
        --set "sources.registries.permits.id_field=id" --set "sources.registries.permits.name_field=name"
        --set "sources.registries.permits.max_distance_m=2000" --set "sources.registries.permits.max_sites=3")
run() {
  local label="$1"; shift
  "$bin" scan --no-progress --config configs/sample.yaml --set "output.dir=$out/$label" "${common[@]}" "$@" >/dev/null
  python3 - "$out/$label/run.json" "$label" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
s = run["sources"]
print(f'{sys.argv[2]}: {s["hotspots"]} hotspots x {s["registries"][0]["sites"]} sites, '
      f'{s["hotspots_traced"]} traced, water on network {s["water_hotspots_on_network"]}/{s["water_hotspots"]}, '
      f'river nodes {s["river_network"]["nodes"]}: sources stage {run["timings_s"]["sources"]:.3f} s '
      f'(scan total {run["timings_s"]["total"]:.1f} s)')
PY
}
run plain
run river --set "sources.river_network.path=$out/rivers.gpkg" --set "sources.river_network.snap_distance_m=2000"
