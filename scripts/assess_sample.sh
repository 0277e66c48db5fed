#!/usr/bin/env bash
# The annual assessment on the bundled sample: archives the Chongqing Sentinel-2 pair as two
# years (spring 2017 and spring 2018) into OUTDIR/archive.h5, then assesses 2018 against 2017
# into OUTDIR/assessment/ (report.html, assessment.gpkg, CSV tables).
#   scripts/assess_sample.sh [OUTDIR]          default OUTDIR: out/assessment-sample
# Installs dependencies and builds first, like scripts/run_sample.sh; with ZONEWATCH set to a
# built binary it uses that one and does neither (the tests run it so).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-out/assessment-sample}"
if [[ -z "${ZONEWATCH:-}" ]]; then
  bash scripts/setup.sh
  bash scripts/build.sh
  ZONEWATCH=./build/pipeline/zonewatch
fi
mkdir -p "$out"
sample=samples/chongqing
common=(--archive "$out/archive.h5" --units "$sample/units.gpkg" --units-layer units
        --grid-crs EPSG:32648 --grid-resolution 10 --programme "重庆样例 Chongqing sample" --no-progress)
"$ZONEWATCH" archive "${common[@]}" --year 2017 --scene "$sample/before" --date 2017-04-14 --sensor sentinel2-l1c
"$ZONEWATCH" archive "${common[@]}" --year 2018 --scene "$sample/after" --date 2018-04-02 --sensor sentinel2-l1c
"$ZONEWATCH" assess --archive "$out/archive.h5" --year 2018 --baseline 2017 --out "$out/assessment" --no-progress
echo
echo "Open $out/assessment/report.html in a browser; $out/assessment/assessment.gpkg in QGIS."
