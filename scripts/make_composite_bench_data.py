#!/usr/bin/python3
"""Synthetic season of dated Sentinel-2-like scenes with clouds for scripts/bench_composite.sh.

  make_composite_bench_data.py SIZE OUTDIR [--scenes 12] [--seed 7]

Writes, on a SIZE x SIZE grid of 10 m pixels in EPSG:32650 (a Sentinel-2 tile at 10980):
  OUTDIR/season/S2STACK_<date>.tif   SCENES dates every 10 days from 2024-06-05: 4 x UInt16
                                     bands B02 B03 B04 B08 (blue, green, red, NIR),
                                     reflectance x10000, nodata 0 where clouds were masked
                                     (about a quarter of each scene, different every date),
                                     a seasonal NDVI cycle, per-date gain and noise; tiled
                                     512, DEFLATE
  OUTDIR/after/S2STACK_2025-07-01.tif one later scene of the same grid with cleared blobs
  OUTDIR/units.gpkg                  layer "units": a 10 x 10 lattice of square units,
                                     unit_code / unit_name / unit_type / region

Needs only GDAL's Python bindings and numpy; works strip by strip (memory well under 1 GB at
any SIZE) and is deterministic for a given SIZE, SCENES and seed.
"""
import argparse
import datetime
import math
import os
import time

import numpy as np
from osgeo import gdal, ogr, osr

from make_bench_data import SmoothField  # the same correlated noise as the scan benchmark

gdal.UseExceptions()
ogr.UseExceptions()

PIX = 10.0
ULX, ULY = 399960.0, 3400020.0
BLOCK = 512
VEG = np.array([330, 620, 380, 3300], np.float32)
SOIL = np.array([950, 1200, 1450, 2150], np.float32)


class Discs:
    """Random discs (clouds, cleared plots), burnt strip by strip."""

    def __init__(self, n, count, rmin, rmax, rng):
        self.cx = rng.uniform(0, n, count)
        self.cy = rng.uniform(0, n, count)
        self.r = np.exp(rng.uniform(math.log(rmin), math.log(rmax), count))
        self.n = n

    def burn(self, r0, r1, out):
        for cx, cy, r in zip(self.cx, self.cy, self.r):
            y0, y1 = max(r0, int(cy - r)), min(r1, int(cy + r) + 1)
            if y0 >= y1:
                continue
            x0, x1 = max(0, int(cx - r)), min(self.n, int(cx + r) + 1)
            yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32) + 0.5
            out[y0 - r0:y1 - r0, x0:x1] |= (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def create(path, n, srs):
    ds = gdal.GetDriverByName("GTiff").Create(
        path, n, n, 4, gdal.GDT_UInt16,
        ["TILED=YES", f"BLOCKXSIZE={BLOCK}", f"BLOCKYSIZE={BLOCK}", "COMPRESS=DEFLATE", "PREDICTOR=2",
         "ZLEVEL=1", "NUM_THREADS=ALL_CPUS", "BIGTIFF=IF_SAFER"])
    ds.SetGeoTransform((ULX, PIX, 0.0, ULY, 0.0, -PIX))
    ds.SetProjection(srs.ExportToWkt())
    for i, name in enumerate(["B02", "B03", "B04", "B08"]):
        band = ds.GetRasterBand(i + 1)
        band.SetNoDataValue(0)
        band.SetDescription(name)
    return ds


def make_units(n, srs, path):
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    lyr = ds.CreateLayer("units", srs, ogr.wkbPolygon)
    for name in ("unit_code", "unit_name", "unit_type", "region"):
        lyr.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    lyr.StartTransaction()
    side, cell = 10, n * PIX / 10
    types = ["priority", "key", "general"]
    for j in range(side):
        for i in range(side):
            x0, y1 = ULX + i * cell, ULY - j * cell
            ring = ogr.Geometry(ogr.wkbLinearRing)
            for x, y in ((x0, y1), (x0 + cell, y1), (x0 + cell, y1 - cell), (x0, y1 - cell), (x0, y1)):
                ring.AddPoint_2D(x, y)
            poly = ogr.Geometry(ogr.wkbPolygon)
            poly.AddGeometry(ring)
            f = ogr.Feature(lyr.GetLayerDefn())
            f.SetField("unit_code", f"U{j:02d}{i:02d}")
            f.SetField("unit_name", f"unit {j}-{i}")
            f.SetField("unit_type", types[(i + j) % 3])
            f.SetField("region", "bench")
            f.SetGeometry(poly)
            lyr.CreateFeature(f)
    lyr.CommitTransaction()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("size", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--scenes", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    n, rng = a.size, np.random.default_rng(a.seed)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32650)
    os.makedirs(os.path.join(a.outdir, "season"), exist_ok=True)
    os.makedirs(os.path.join(a.outdir, "after"), exist_ok=True)
    scale = (n / 10980.0) ** 2
    start = datetime.date(2024, 6, 5)
    dates = [start + datetime.timedelta(days=10 * d) for d in range(a.scenes)]
    season = [create(os.path.join(a.outdir, "season", f"S2STACK_{d.isoformat()}.tif"), n, srs) for d in dates]
    after = create(os.path.join(a.outdir, "after", "S2STACK_2025-07-01.tif"), n, srs)
    base = [SmoothField(n, s, rng) for s in (1200, 300, 60, 12)]
    bright = SmoothField(n, 250, rng)
    clouds = [Discs(n, max(2, int(45 * scale)), 60, 700, rng) for _ in dates]
    cleared = Discs(n, max(5, int(400 * scale)), 5, 60, rng)
    # Seasonal vegetation vigour and per-date calibration, as several sensors over a summer.
    vigour = [0.75 + 0.35 * math.sin(math.pi * (d + 0.5) / a.scenes) for d in range(a.scenes)]
    gain = [1.0 + 0.03 * ((d % 3) - 1) for d in range(a.scenes)]
    t = time.time()
    for r0 in range(0, n, BLOCK):
        r1 = min(n, r0 + BLOCK)
        h = r1 - r0
        field = sum(w * f.rows(r0, r1) for f, w in zip(base, (1.0, 0.8, 0.5, 0.3)))
        v = 1.0 / (1.0 + np.exp(-2.0 * (field + 0.3)))
        br = 1.0 + 0.15 * bright.rows(r0, r1)
        noise = rng.standard_normal((4, h, n), dtype=np.float32)
        soil = SOIL[:, None, None] * br[None]

        def scene(vf, g, shift):
            refl = vf[None] * VEG[:, None, None] + (1.0 - vf[None]) * soil
            refl *= g
            refl += np.roll(noise, shift, axis=2) * (0.02 * refl + 15.0)
            return np.clip(np.rint(refl), 1, 15000).astype(np.uint16)

        for d, ds in enumerate(season):
            out = scene(np.clip(v * vigour[d], 0.0, 1.0), gain[d], 97 * d)
            cm = np.zeros((h, n), bool)
            clouds[d].burn(r0, r1, cm)
            out[:, cm] = 0
            ds.WriteRaster(0, r0, n, h, out.tobytes(), buf_type=gdal.GDT_UInt16)
        lm = np.zeros((h, n), bool)
        cleared.burn(r0, r1, lm)
        va = np.where(lm, 0.05, v)
        after.WriteRaster(0, r0, n, h, scene(va, 1.0, 5).tobytes(), buf_type=gdal.GDT_UInt16)
        if r0 // BLOCK % 4 == 0:
            print(f"  rows {r1}/{n} {time.time() - t:.0f}s", flush=True)
    for ds in season + [after]:
        ds.FlushCache()
    season = after = None
    make_units(n, srs, os.path.join(a.outdir, "units.gpkg"))
    print(f"  {a.scenes} scenes + 1 after scene of {n}x{n} in {time.time() - t:.0f}s", flush=True)


if __name__ == "__main__":
    main()
