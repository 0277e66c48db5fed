#!/usr/bin/env bash
# Installs everything zonewatch needs to build, test and run on Debian 12.
#   scripts/setup.sh            build + runtime dependencies
#   scripts/setup.sh --bench    also the peer tools the benchmark compares against
#   scripts/setup.sh --gis      also QGIS's Python bindings, for the test that opens the outputs
#                               in QGIS headless (large; CI installs it, the quick start does not)
# Idempotent: skips apt entirely when every package is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format
  libgdal-dev gdal-bin
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  libtbb-dev libomp-dev libhdf5-dev
  libspdlog-dev libfmt-dev libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  libssl-dev  # SHA-256 of the inputs (libcrypto)
  libdeflate-dev  # GeoTIFF blocks inflated without GDAL's per-block overhead
  libgtest-dev libgmock-dev
  python3-gdal python3-numpy
  chromium  # headless test of the inspector packet's offline page (tests skip without it)
  fonts-noto-cjk  # Chinese unit names in the pages' screenshots
  hdf5-tools python3-h5py  # independent readers of the assessment archive in its tests
  libopenmpi-dev openmpi-bin  # mpirun -n N zonewatch scan (the build finds MPI; its test needs mpirun)
)
for option in "$@"; do
  case "$option" in
    --bench) packages+=(python3-scipy python3-rasterio python3-fiona python3-opencv otb-bin bc time) ;;
    --gis) packages+=(python3-qgis) ;;
    *) echo "setup: unknown option $option (expected --bench or --gis)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
