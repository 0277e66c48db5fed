#!/usr/bin/env bash
# Quick start: installs dependencies, builds zonewatch and scans the bundled Chongqing
# sample (configs/sample.yaml), then prints where the outputs are and the top hotspots.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/pipeline/zonewatch scan --config configs/sample.yaml --top 10
echo
echo "Read out/sample/summary.html in a browser; open out/sample/project.qgs in QGIS (styled layers); hotspots.csv opens in Excel."
