#!/usr/bin/env bash
# Benchmark: zonewatch on a Sentinel-2-tile-sized synthetic scene pair with ~3,000 control
# units, optionally side by side with the tools users would pick instead (the peers).
#
#   scripts/bench.sh [WORKDIR] [--size N] [--small N] [--runs N] [--peers] [--threads LIST]
#
#   WORKDIR    data, configs, outputs and logs (default /tmp/zonewatch-bench). The data is
#              generated once into WORKDIR/data (minutes at full size) and reused.
#   --size N   pixels per side of the main scene (default 10980, one Sentinel-2 tile)
#   --small N  a second, smaller scene measured the same way, to show that peak memory
#              does not grow with scene size (default 5490; 0 skips it)
#   --runs N   runs of every contender at every size; figures are medians (default 1;
#              the machine is shared, so quote --runs 3 or more)
#   --peers    also run the peers on the same files, in turns with zonewatch: the read
#              floor (GDAL decoding both rasters and nothing else, 1 and 2 threads),
#              GDAL + numpy + scipy, rasterio + OpenCV, Orfeo ToolBox; their dependencies
#              come with `scripts/setup.sh --bench`
#   --threads LIST  the thread-scaling curve instead of the contenders above: zonewatch with
#              --threads T and (where the peers' read_floor.py is there) the decode floor
#              with GDAL_NUM_THREADS=T, for every T of the comma-separated LIST (for example
#              1,2,4,8,16), at --size only; each round alternates the order of LIST. Prints
#              wall, CPU, peak RSS, the speed-up over the first T and zonewatch's ratio to
#              the floor at the same T
#
# Environment:
#   ZONEWATCH_BIN     the zonewatch binary to time; default: built here, Release, into
#                     build-bench/ (with ZONEWATCH_WERROR=OFF: GCC 12 raises a false
#                     -Wrestrict warning at -O3 that -Werror turns into a build failure)
#   ZONEWATCH_SHARED  the shared folder (default <repo>/../shared). When its
#                     peers/make_data.py exists it generates the data, so zonewatch and the
#                     peers read the very same files (WORKDIR/data/s<N>_A.tif, _B.tif,
#                     _units.gpkg, as peers/run_peers.sh names them); otherwise
#                     scripts/make_bench_data.py does (same layout, GDAL + numpy only), and
#                     --peers is not available.
#
# The scan configuration (WORKDIR/cfg/s<N>.yaml) mirrors the peers' decision rule: NDVI
# before >= 0.3 and NDVI drop >= 0.2 (vegetation loss only, no change-magnitude gate),
# 3x3 opening, 8-connected patches of at least 10 pixels (1000 m2), every unit of type
# priority (the synthetic units have no type attribute).
#
# Prints, for every contender and size: median wall seconds, megapixels per second and
# peak RSS (the kernel's accounting, via /usr/bin/time), with --peers the ratios
# zonewatch/peer and zonewatch's wall over the two-thread floor's round by round (odd
# rounds run the contenders in one order, even rounds in the reverse), zonewatch's
# per-stage timings from run.json, and the peak RSS of zonewatch at both sizes. Input files
# are read once before timing (page cache warm, as for every contender). Exits non-zero if data generation, the build or any run fails.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
die() { echo "bench: $*" >&2; exit 1; }

repo=$(cd "$(dirname "$0")/.." && pwd)
W=/tmp/zonewatch-bench
SIZE=10980
SMALL=5490
RUNS=1
PEERS=0
THREADS=""
while (($#)); do
  case $1 in
    --size) SIZE=${2:?--size needs a value}; shift 2 ;;
    --small) SMALL=${2:?--small needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --peers) PEERS=1; shift ;;
    --threads) THREADS=${2:?--threads needs a list such as 1,2,4}; shift 2 ;;
    -h|--help) usage 0 ;;
    -*) echo "bench: unknown option $1" >&2; usage 2 ;;
    *) W=$1; shift ;;
  esac
done
for v in SIZE SMALL RUNS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "--${v,,} must be a whole number, not '${!v}'"
done
((SIZE >= 64)) || die "--size must be at least 64"
((RUNS >= 1)) || die "--runs must be at least 1"
((SMALL == 0 || SMALL >= 64)) || die "--small must be 0 or at least 64"
[[ -z $THREADS || $THREADS =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] ||
  die "--threads must be a comma-separated list of thread counts (1,2,4), not '$THREADS'"
((PEERS == 0)) || [[ -z $THREADS ]] || die "--threads and --peers are separate benchmarks: give one"
[[ -z $THREADS ]] || SMALL=0  # the curve is measured at --size only

PY=/usr/bin/python3   # Debian's, which has the GDAL bindings (not another python3 on PATH)
[[ -x $PY ]] || die "$PY not found (scripts/setup.sh installs it)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: install the 'time' package (scripts/setup.sh --bench)"
$PY -c 'from osgeo import gdal; import numpy' 2>/dev/null || die "$PY lacks GDAL or numpy (scripts/setup.sh)"
SHARED=${ZONEWATCH_SHARED:-$repo/../shared}
PEER_DIR=$SHARED/peers
if [[ -f $PEER_DIR/make_data.py ]]; then
  GEN=("$PY" "$PEER_DIR/make_data.py"); DATA_TAG=s; GEN_NAME="peers/make_data.py ($PEER_DIR)"
else
  GEN=("$PY" "$repo/scripts/make_bench_data.py"); DATA_TAG=zw_s; GEN_NAME="scripts/make_bench_data.py"
fi
if ((PEERS)); then
  [[ -f $PEER_DIR/run_peers.sh ]] || die "--peers: no peers in $PEER_DIR (set ZONEWATCH_SHARED)"
  $PY -c 'import scipy, rasterio, fiona, cv2' 2>/dev/null ||
    die "--peers: $PY lacks scipy/rasterio/fiona/cv2: run scripts/setup.sh --bench"
  command -v otbcli_BandMath >/dev/null || die "--peers: Orfeo ToolBox not found: run scripts/setup.sh --bench"
  command -v bc >/dev/null || die "--peers: bc not found (peer_otb.sh needs it): run scripts/setup.sh --bench"
fi
for var in GDAL_NUM_THREADS GDAL_CACHEMAX; do
  [[ -z ${!var:-} ]] || echo "bench: note: $var=${!var} is set and applies to every contender"
done

mkdir -p "$W/data" "$W/cfg" "$W/out" "$W/logs"
W=$(cd "$W" && pwd)

# ---- zonewatch binary ----------------------------------------------------------------
if [[ -n ${ZONEWATCH_BIN:-} ]]; then
  ZW=$ZONEWATCH_BIN
else
  echo "bench: building zonewatch (Release) into $repo/build-bench"
  { cmake -S "$repo" -B "$repo/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DZONEWATCH_BUILD_TESTS=OFF -DZONEWATCH_WERROR=OFF &&
    cmake --build "$repo/build-bench" --target zonewatch -j"$(nproc)"; } >"$W/logs/build.log" 2>&1 ||
    { tail -30 "$W/logs/build.log" >&2; die "build failed (log: $W/logs/build.log)"; }
  ZW=$repo/build-bench/pipeline/zonewatch
fi
[[ -x $ZW ]] || die "zonewatch binary $ZW not found"

# ---- data and configs ----------------------------------------------------------------
prefix() { echo "$W/data/$DATA_TAG$1"; }
make_data() {  # make_data SIZE: generate once, reuse afterwards
  local p; p=$(prefix "$1")
  if [[ -s ${p}_A.tif && -s ${p}_B.tif && -s ${p}_units.gpkg ]]; then
    echo "bench: data s$1: reusing ${p}_A.tif, _B.tif, _units.gpkg"
    return
  fi
  echo "bench: data s$1: generating with $GEN_NAME (once; minutes at full size)"
  rm -f "${p}_A.tif" "${p}_B.tif" "${p}_units.gpkg" "${p}_truth.tif"
  local t0=$SECONDS
  "${GEN[@]}" "$1" "$p" >"$W/logs/make_data-s$1.log" 2>&1 ||
    { tail -20 "$W/logs/make_data-s$1.log" >&2; rm -f "${p}_units.gpkg"; die "data generation failed for size $1"; }
  echo "bench: data s$1: done in $((SECONDS - t0)) s"
}
# Builds whose typing has pseudo-change tests must have them off to apply the peers' rule;
# older builds reject the keys (unknown keys are errors). A config with a missing before
# scene tells which: key errors come first.
PSEUDO_KEYS=""
probe_typing_keys() {
  local probe=$W/cfg/probe.yaml out
  sed -e 's|^before: {path: [^,]*|before: {path: /nonexistent/bench-probe.tif|' \
      -e 's|^\(    report_other: false\)$|\1\n    suppress_persistent_vegetation: false\n    suppress_stable_water: false|' \
      "$W/cfg/s$1.yaml" >"$probe"
  out=$("$ZW" scan --config "$probe" 2>&1 || true)
  rm -f "$probe"
  if grep -q "unknown key" <<<"$out"; then
    grep -q "suppress_" <<<"$out" || { echo "$out" >&2; die "zonewatch rejects the bench config"; }
  else
    PSEUDO_KEYS=$'\n    suppress_persistent_vegetation: false  # vegetated after too still counts\n    suppress_stable_water: false'
  fi
}
write_config() {  # write_config SIZE
  local p; p=$(prefix "$1")
  cat >"$W/cfg/s$1.yaml" <<EOF
# Written by scripts/bench.sh: the peers' decision rule on the synthetic pair of size $1.
name: bench-s$1
before: {path: ${p}_A.tif, date: 2023-06-01, sensor: sentinel2-stack-4band}
after: {path: ${p}_B.tif, date: 2024-06-01, sensor: sentinel2-stack-4band}
units:
  path: ${p}_units.gpkg
  layer: units
  fields: {code: unit_id, name: "", region: ""}
  default_type: priority
detection:
  threshold: {method: fixed, value: 0.0}   # no change-magnitude gate: the peers have none
  opening_radius: 1                        # 3x3 opening
  closing_radius: 0                        # no closing: the peers only open
  min_mapping_unit_m2: 1000                # 10 pixels of 10 m, the peers' --minarea 10
  scales: [0, 1, 2]                        # the default smoothing at 10 m (a 400 m2 unit's); from
                                           #   this 1000 m2 unit it would be 1.6 and 3.2 px: same
                                           #   result (no magnitude gate), more work than before
  typing:
    vegetation_min_greenness_before: 0.3   # NDVI before > 0.3
    vegetation_min_greenness_drop: 0.2     # dNDVI < -0.2
    report_other: false${PSEUDO_KEYS}
    order: [vegetation_loss]
processing: {memory_mb: 1024, tile_size: 0, threads: 0}
output: {dir: $W/out/zonewatch-s$1}
EOF
}

sizes=("$SIZE")
((SMALL > 0 && SMALL != SIZE)) && sizes+=("$SMALL")
for s in "${sizes[@]}"; do make_data "$s"; done
write_config "${sizes[0]}"
probe_typing_keys "${sizes[0]}"
for s in "${sizes[@]}"; do write_config "$s"; done

# ---- runs ----------------------------------------------------------------------------
RESULTS=$W/logs/results.tsv
: >"$RESULTS"
failed=0
one() {  # one SIZE RUN NAME cmd...: time a whole process, append "size name run wall kb rc log cpu"
  local size=$1 run=$2 name=$3; shift 3
  local log=$W/logs/$name-s$size-run$run.log tf rc wall kb user sys cpu
  tf=$(mktemp)
  set +e
  /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" >"$log" 2>&1
  rc=$?
  set -e
  read -r wall kb user sys < <(tail -n 1 "$tf") || true
  rm -f "$tf"
  [[ $wall =~ ^[0-9.]+$ ]] || wall=nan
  [[ $kb =~ ^[0-9]+$ ]] || kb=0
  cpu=$(awk -v u="${user:-nan}" -v s="${sys:-nan}" 'BEGIN { if (u ~ /^[0-9.]+$/ && s ~ /^[0-9.]+$/) printf "%.2f", u + s; else print "nan" }')
  if ((rc != 0)); then
    failed=1
    echo "bench: $name (size $size, run $run) failed with exit status $rc; last lines of $log:" >&2
    tail -5 "$log" >&2
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$name" "$run" "$wall" "$kb" "$rc" "$log" "$cpu" >>"$RESULTS"
  printf '  %-14s s%-6s run %d: wall %8s s  cpu %8s s  peak RSS %6d MiB  rc %d   (load %s)\n' \
    "$name" "$size" "$run" "$wall" "$cpu" "$((kb / 1024))" "$rc" "$(cut -d' ' -f1-3 /proc/loadavg)"
}
if [[ -n $THREADS ]]; then
  # The thread-scaling curve: each round walks LIST up, the next one down, so that a drift of
  # the machine's speed over the rounds falls on every thread count alike.
  s=$SIZE; p=$(prefix "$s")
  [[ -f $PEER_DIR/read_floor.py ]] || echo "bench: no $PEER_DIR/read_floor.py: zonewatch's curve only"
  IFS=, read -r -a counts <<<"$THREADS"
  echo "bench: size $s ($((s * s / 1000000)) Mpx), threads ${counts[*]}, $RUNS round(s)"
  for r in $(seq 1 "$RUNS"); do
    order=("${counts[@]}")
    ((r % 2 == 0)) && mapfile -t order < <(printf '%s\n' "${counts[@]}" | tac)
    for t in "${order[@]}"; do
      cat "${p}_A.tif" "${p}_B.tif" "${p}_units.gpkg" >/dev/null
      one "$s" "$r" "zonewatch_t$t" "$ZW" --threads "$t" scan --config "$W/cfg/s$s.yaml" --top 0
      if [[ -f $PEER_DIR/read_floor.py ]]; then
        one "$s" "$r" "read_floor_t$t" $PY "$PEER_DIR/read_floor.py" "${p}_A.tif" "${p}_B.tif" redir --threads "$t"
      fi
    done
  done
  $PY - "$RESULTS" "$s" "$THREADS" <<'EOF'
import statistics, sys
results, size, counts = sys.argv[1], int(sys.argv[2]), [int(t) for t in sys.argv[3].split(",")]
rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]

def med(name, column):
    xs = [float(r[column]) for r in rows if r[1] == name and r[5] == "0" and r[column] != "nan"]
    return statistics.median(xs) if xs else float("nan")

print(f"\n== thread scaling, {size} x {size}; medians of successful runs ==")
print(f"{'threads':>7}{'zw wall s':>11}{'cpu s':>8}{'RSS MiB':>9}{'speed-up':>10}{'efficiency':>12}"
      f"{'floor wall s':>14}{'floor speed-up':>16}{'zw/floor':>10}")
base, floor_base = med(f"zonewatch_t{counts[0]}", 3), med(f"read_floor_t{counts[0]}", 3)
for t in counts:
    wall, cpu, kb = med(f"zonewatch_t{t}", 3), med(f"zonewatch_t{t}", 7), med(f"zonewatch_t{t}", 4)
    floor = med(f"read_floor_t{t}", 3)
    speedup = base / wall
    print(f"{t:>7}{wall:>11.2f}{cpu:>8.2f}{kb / 1024:>9.0f}{speedup:>10.2f}{speedup * counts[0] / t:>12.2f}"
          f"{floor:>14.2f}{floor_base / floor:>16.2f}{wall / floor:>10.2f}")
EOF
  echo
  echo "logs and results.tsv: $W/logs"
  ((failed == 0)) || die "some runs failed (see above)"
  exit 0
fi
for s in "${sizes[@]}"; do
  p=$(prefix "$s")
  echo "bench: size $s ($(($s * $s / 1000000)) Mpx), $RUNS run(s) each"
  contenders=(zonewatch)
  ((PEERS)) && contenders+=(read_floor_1t read_floor_2t gdal_numpy rasterio_cv otb)
  for r in $(seq 1 "$RUNS"); do
    cat "${p}_A.tif" "${p}_B.tif" "${p}_units.gpkg" >/dev/null   # page cache warm for everyone
    # Odd rounds walk the contenders forwards, even rounds backwards, so that no one always
    # follows the same one: on a VM that reports freed pages to its host (free page
    # reporting), memory the previous process freed (Orfeo ToolBox frees 3.9 GB) costs the
    # next one 1-1.5 CPU-s more per GB to touch for the first time (docs/SCALING.md).
    n=${#contenders[@]}
    for i in $(seq 0 $((n - 1))); do
      ((r % 2 == 1)) && name=${contenders[$i]} || name=${contenders[$((n - 1 - i))]}
      case $name in
        zonewatch)
          one "$s" "$r" zonewatch "$ZW" scan --config "$W/cfg/s$s.yaml" --top 0
          [[ -f $W/out/zonewatch-s$s/run.json ]] && cp "$W/out/zonewatch-s$s/run.json" "$W/logs/zonewatch-s$s-run$r.json"
          ;;
        read_floor_1t) one "$s" "$r" read_floor_1t $PY "$PEER_DIR/read_floor.py" "${p}_A.tif" "${p}_B.tif" redir ;;
        read_floor_2t)
          one "$s" "$r" read_floor_2t $PY "$PEER_DIR/read_floor.py" "${p}_A.tif" "${p}_B.tif" redir --threads ALL_CPUS
          ;;
        gdal_numpy)
          one "$s" "$r" gdal_numpy $PY "$PEER_DIR/peer_gdal_numpy.py" "${p}_A.tif" "${p}_B.tif" "${p}_units.gpkg" \
            "$W/out/gdal_numpy-s$s"
          ;;
        rasterio_cv)
          one "$s" "$r" rasterio_cv $PY "$PEER_DIR/peer_rasterio_cv.py" "${p}_A.tif" "${p}_B.tif" "${p}_units.gpkg" \
            "$W/out/rasterio_cv-s$s"
          ;;
        otb) one "$s" "$r" otb "$PEER_DIR/peer_otb.sh" "${p}_A.tif" "${p}_B.tif" "${p}_units.gpkg" "$W/out/otb-s$s" ;;
      esac
    done
  done
done

# ---- figures -------------------------------------------------------------------------
$PY - "$RESULTS" "$W" "${sizes[@]}" <<'EOF'
import json, re, statistics, sys
results, W, sizes = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3:]]
rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]
order = ["zonewatch", "read_floor_1t", "read_floor_2t", "gdal_numpy", "rasterio_cv", "otb"]

def runs(size, name):
    return [r for r in rows if int(r[0]) == size and r[1] == name and r[5] == "0" and r[3] != "nan"
            and r[7] != "nan"]

def median(xs):
    return statistics.median(xs) if xs else float("nan")

def median_run(size, name):
    rs = runs(size, name)
    if not rs:
        return None
    m = median([float(r[3]) for r in rs])
    return min(rs, key=lambda r: abs(float(r[3]) - m))

zw_rss = {}
for size in sizes:
    mpx = size * size / 1e6
    print(f"\n== {size} x {size} ({mpx:.1f} Mpx); medians of successful runs ==")
    print(f"{'contender':<15}{'runs':>5}{'wall s':>9}{'Mpx/s':>8}{'cpu s':>8}{'peak RSS MiB':>14}"
          f"{'zw/peer wall':>14}{'zw/peer cpu':>13}{'zw/peer RSS':>13}")
    zw = runs(size, "zonewatch")
    zw_wall = median([float(r[3]) for r in zw])
    zw_kb = median([int(r[4]) for r in zw])
    zw_cpu = median([float(r[7]) for r in zw])
    zw_rss[size] = zw_kb
    for name in order:
        rs = runs(size, name)
        tried = sum(1 for r in rows if int(r[0]) == size and r[1] == name)
        if not tried:
            continue
        wall = median([float(r[3]) for r in rs])
        kb = median([int(r[4]) for r in rs])
        cpu = median([float(r[7]) for r in rs])
        ratio_w = "" if name == "zonewatch" else f"{zw_wall / wall:.2f}"
        ratio_c = "" if name == "zonewatch" else f"{zw_cpu / cpu:.2f}"
        ratio_m = "" if name == "zonewatch" else f"{zw_kb / kb:.2f}"
        print(f"{name:<15}{len(rs):>2}/{tried:<2}{wall:>9.2f}{mpx / wall:>8.2f}{cpu:>8.2f}{kb / 1024:>14.0f}"
              f"{ratio_w:>14}{ratio_c:>13}{ratio_m:>13}")
    # zonewatch against the two-thread floor of the same round (minutes apart, not the medians'
    # runs): the VM's slow and fast spells then weigh on both sides of each ratio.
    floor_by_run = {r[2]: float(r[3]) for r in runs(size, "read_floor_2t")}
    paired = [float(r[3]) / floor_by_run[r[2]] for r in zw if r[2] in floor_by_run]
    if paired:
        print(f"zonewatch / read_floor_2t of the same round: {' '.join(f'{x:.2f}' for x in paired)}; "
              f"median {median(paired):.2f}")
    r = median_run(size, "zonewatch")
    if r is None:
        continue
    try:
        run = json.load(open(f"{W}/logs/zonewatch-s{size}-run{r[2]}.json"))
    except OSError:
        continue
    t = run.get("timings_s", {})
    total = t.get("total", float("nan"))
    tiles = run.get("detection", {}).get("tiles", {})
    print(f"zonewatch stages (run {r[2]}, wall {float(r[3]):.2f} s; {tiles.get('count')} tiles of "
          f"{tiles.get('width')}x{tiles.get('height')} px, halo {tiles.get('halo')}):")
    for k in sorted(t, key=lambda k: (k == "total", k)):
        share = f"{100 * t[k] / total:5.1f} %" if total == total and total > 0 else ""
        print(f"  {k:<26}{t[k]:>8.2f} s  {share}")
    c = run.get("counts", {})
    changed = sum(c.get("changed_pixels", {}).values())
    line = f"  check: zonewatch patches={c.get('patches')} changed_px={changed}"
    for name in ("gdal_numpy", "rasterio_cv"):
        pr = median_run(size, name)
        if pr:
            m = re.search(r"patches=(\d+).*changed_px=(\d+)", open(pr[6]).read())
            if m:
                line += f" | {name} patches={m.group(1)} changed_px={m.group(2)}"
    print(line)

if len(sizes) > 1 and all(zw_rss.get(s) == zw_rss.get(s) for s in sizes):
    a, b = sizes[0], sizes[1]
    print(f"\nzonewatch peak RSS: {zw_rss[b] / 1024:.0f} MiB at {b} px, {zw_rss[a] / 1024:.0f} MiB at {a} px "
          f"({(a / b) ** 2:.1f}x the pixels, {zw_rss[a] / zw_rss[b]:.2f}x the memory)")
EOF
echo
echo "logs, run.json copies and results.tsv: $W/logs"
((failed == 0)) || die "some runs failed (see above)"
