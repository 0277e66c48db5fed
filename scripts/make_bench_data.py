#!/usr/bin/python3
"""Synthetic Sentinel-2-like scene pair and control units for scripts/bench.sh.

  make_bench_data.py SIZE PREFIX [--npoly 3000] [--seed 42]

Writes, on a SIZE x SIZE grid of 10 m pixels in EPSG:32650:
  PREFIX_A.tif        date A: 4 x UInt16 bands B02 B03 B04 B08 (blue, green, red, NIR),
                      reflectance x10000, nodata 0, tiled 512, DEFLATE, PIXEL interleave
  PREFIX_B.tif        date B, same grid: vegetation-loss blobs, regrowth blobs, isolated
                      speckle, a slight phenology shift and calibration difference, and
                      cloud holes (nodata)
  PREFIX_units.gpkg   layer "units": ~NPOLY mutually disjoint irregular polygons with an
                      integer field unit_id (plus name); no unit type attribute

The same layout as the peers' generator (../shared/peers/make_data.py), which bench.sh
prefers when it exists so that zonewatch and the peers read the very same files. This one
needs only GDAL's Python bindings and numpy, works strip by strip (memory stays well under
1 GB at any SIZE) and is deterministic for a given SIZE and seed.
"""
import argparse
import math
import time

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

PIX = 10.0
ULX, ULY = 399960.0, 3400020.0  # a plausible Sentinel-2 tile corner in UTM zone 50N
BLOCK = 512

# Endmember reflectances (x10000) for B02, B03, B04, B08.
VEG = np.array([330, 620, 380, 3300], np.float32)
SOIL = np.array([950, 1200, 1450, 2150], np.float32)
WATER = np.array([520, 460, 300, 160], np.float32)


class SmoothField:
    """Zero-mean, roughly unit-variance noise correlated over ~`scale` pixels: a coarse
    lattice of white noise, box-smoothed and bilinearly interpolated row strip by row strip."""

    def __init__(self, n, scale, rng):
        self.scale = float(scale)
        m = int(math.ceil(n / scale)) + 3
        c = rng.standard_normal((m, m)).astype(np.float32)
        c = (c + np.roll(c, 1, 0) + np.roll(c, -1, 0)) / 3.0
        c = (c + np.roll(c, 1, 1) + np.roll(c, -1, 1)) / 3.0
        self.c = c / (c.std() + 1e-6)
        xx = (np.arange(n, dtype=np.float32) + 0.5) / self.scale + 1.0
        self.x0 = np.floor(xx).astype(np.int32)
        self.fx = (xx - self.x0)[None, :]

    def rows(self, r0, r1):
        yy = (np.arange(r0, r1, dtype=np.float32) + 0.5) / self.scale + 1.0
        y0 = np.floor(yy).astype(np.int32)
        fy = (yy - y0)[:, None]
        rows = self.c[y0] * (1 - fy) + self.c[y0 + 1] * fy
        return rows[:, self.x0] * (1 - self.fx) + rows[:, self.x0 + 1] * self.fx


class Octaves:
    def __init__(self, n, scales, weights, rng):
        self.fields = [SmoothField(n, s, rng) for s in scales]
        self.weights = weights

    def rows(self, r0, r1):
        return sum(w * f.rows(r0, r1) for f, w in zip(self.fields, self.weights))


class Blobs:
    """Irregular star-shaped blobs (centre, radius, 4 harmonics), rasterised per strip."""

    def __init__(self, n, count, radius_fn, rng):
        self.cx = rng.uniform(0, n, count)
        self.cy = rng.uniform(0, n, count)
        self.r = radius_fn(count)
        self.amp = rng.normal(0.0, 0.15, (count, 4))
        self.phase = rng.uniform(0, 2 * np.pi, (count, 4))
        self.n = n
        order = np.argsort(self.cy - 1.6 * self.r)
        self.cx, self.cy, self.r = self.cx[order], self.cy[order], self.r[order]
        self.amp, self.phase = self.amp[order], self.phase[order]
        self.top = self.cy - 1.6 * self.r

    def burn(self, r0, r1, out, value=True):
        last = np.searchsorted(self.top, r1)
        for i in range(last):
            cx, cy, r = self.cx[i], self.cy[i], self.r[i]
            rmax = 1.6 * r
            if cy + rmax < r0:
                continue
            y0, y1 = max(r0, int(cy - rmax)), min(r1, int(cy + rmax) + 1)
            x0, x1 = max(0, int(cx - rmax)), min(self.n, int(cx + rmax) + 1)
            if y0 >= y1 or x0 >= x1:
                continue
            yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32) + 0.5
            ang = np.arctan2(yy - cy, xx - cx)
            rad = np.ones_like(ang)
            for k in range(4):
                rad += self.amp[i, k] * np.cos((k + 2) * ang + self.phase[i, k])
            inside = np.hypot(yy - cy, xx - cx) <= np.clip(rad, 0.4, 1.6) * r
            out[y0 - r0:y1 - r0, x0:x1][inside] = value


def create(path, n, gt, srs):
    ds = gdal.GetDriverByName("GTiff").Create(
        path, n, n, 4, gdal.GDT_UInt16,
        ["TILED=YES", f"BLOCKXSIZE={BLOCK}", f"BLOCKYSIZE={BLOCK}", "COMPRESS=DEFLATE",
         "NUM_THREADS=ALL_CPUS", "BIGTIFF=IF_SAFER"])
    ds.SetGeoTransform(gt)
    ds.SetProjection(srs.ExportToWkt())
    for i, name in enumerate(["B02", "B03", "B04", "B08"]):
        band = ds.GetRasterBand(i + 1)
        band.SetNoDataValue(0)
        band.SetDescription(name)
    return ds


def reflectance(v, bright, vigor, water, nodata, gain, rng):
    out = np.empty((4,) + v.shape, np.uint16)
    for b in range(4):
        veg = VEG[b] * (vigor if b == 3 else 1.0)
        refl = v * veg + (1.0 - v) * SOIL[b] * bright
        refl = np.where(water, WATER[b] * bright, refl) * gain
        refl += rng.standard_normal(refl.shape, dtype=np.float32) * (0.02 * refl + 15.0)
        out[b] = np.clip(np.rint(refl), 1, 15000).astype(np.uint16)
        out[b][nodata] = 0
    return out


def make_rasters(n, prefix, rng, gt, srs, log):
    base = Octaves(n, [1500, 400, 120, 35, 9], [1.0, 0.9, 0.7, 0.45, 0.25], rng)
    bright = Octaves(n, [300, 40], [1.0, 0.5], rng)
    vigor = Octaves(n, [200, 15], [1.0, 0.6], rng)
    water = Octaves(n, [250, 20], [1.0, 0.3], rng)
    pheno = Octaves(n, [800, 150], [1.0, 0.6], rng)
    scale = (n / 10980.0) ** 2
    nloss = max(20, int(5500 * scale))
    loss = Blobs(n, nloss, lambda k: np.clip(np.exp(rng.normal(np.log(4.4), 0.8, k)), 1.0, 150.0), rng)
    gain = Blobs(n, max(5, nloss // 4), lambda k: np.exp(rng.uniform(np.log(3), np.log(80), k)), rng)
    clouds = Blobs(n, max(3, int(60 * scale)), lambda k: np.exp(rng.uniform(np.log(10), np.log(250), k)), rng)
    severity = rng.uniform(0.75, 1.0)
    nspk = int(2e-4 * n * n)
    spk_y, spk_x = rng.integers(0, n, nspk), rng.integers(0, n, nspk)
    order = np.argsort(spk_y, kind="stable")
    spk_y, spk_x = spk_y[order], spk_x[order]

    dsA, dsB = create(prefix + "_A.tif", n, gt, srs), create(prefix + "_B.tif", n, gt, srs)
    noise = np.random.default_rng(rng.integers(1 << 62))
    t = time.time()
    for r0 in range(0, n, BLOCK):
        r1 = min(n, r0 + BLOCK)
        h = r1 - r0
        vA = 1.0 / (1.0 + np.exp(-2.2 * (base.rows(r0, r1) + 0.35)))
        br = 1.0 + 0.18 * bright.rows(r0, r1)
        vg = 1.0 + 0.12 * vigor.rows(r0, r1)
        wt = water.rows(r0, r1) > 2.1
        yy = np.arange(r0, r1, dtype=np.float32)[:, None]
        xx = np.arange(n, dtype=np.float32)[None, :]
        edge = (xx + (n - yy)) < 0.28 * n  # swath edge: bottom-left triangle, both dates
        vB = np.clip(vA + 0.06 * pheno.rows(r0, r1), 0.0, 1.0)
        lm = np.zeros((h, n), bool)
        loss.burn(r0, r1, lm)
        vB[lm] *= (1.0 - severity) * noise.uniform(0.5, 1.0, int(lm.sum())).astype(np.float32)
        lo, hi = np.searchsorted(spk_y, r0), np.searchsorted(spk_y, r1)
        vB[spk_y[lo:hi] - r0, spk_x[lo:hi]] *= 0.2  # isolated speckle: the opening removes it
        gm = np.zeros((h, n), bool)
        gain.burn(r0, r1, gm)
        vB[gm] = np.maximum(vB[gm], 0.85)  # regrowth: must not be flagged
        cm = np.zeros((h, n), bool)
        clouds.burn(r0, r1, cm)
        dsA.WriteRaster(0, r0, n, h, reflectance(vA, br, vg, wt, edge, 1.0, noise).tobytes(),
                        buf_type=gdal.GDT_UInt16)
        dsB.WriteRaster(0, r0, n, h, reflectance(vB, br, vg, wt, edge | cm, 1.015, noise).tobytes(),
                        buf_type=gdal.GDT_UInt16)
    dsA.FlushCache()
    dsB.FlushCache()
    dsA = dsB = None
    log(f"  rasters {time.time() - t:.1f}s ({nloss} loss blobs)")


def make_units(n, npoly, rng, srs, path):
    """~npoly disjoint polygons: one wobbly blob inside each cell of a jittered lattice."""
    side = max(1, int(round(math.sqrt(npoly))))
    cell = n * PIX / side
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    lyr = ds.CreateLayer("units", srs, ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("unit_id", ogr.OFTInteger))
    lyr.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    lyr.StartTransaction()
    k = side * side
    keep = rng.uniform(size=k) >= 0.03
    jit = rng.uniform(-0.15, 0.15, (k, 2))
    size = rng.uniform(0.5, 1.0, k)
    harm = rng.uniform(-1, 1, (k, 4)) * (0.1 / np.arange(2, 6))
    phase = rng.uniform(0, 2 * np.pi, (k, 4))
    th = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    # radius profile per unit: stays within 0.35 + 0.1 * (1/2 + 1/3 + 1/4 + 1/5) < 0.45
    # of a cell from the centre, so units never leave their own cell and never overlap
    rr = 0.35 * size[:, None] + np.einsum(
        "kh,kht->kt", harm, np.cos(np.arange(2, 6)[None, :, None] * th + phase[:, :, None]))
    rr = np.clip(rr, 0.05, 0.45) * cell
    uid = 0
    for c in range(k):
        if not keep[c]:
            continue
        j, i = divmod(c, side)
        cx, cy = (i + 0.5 + jit[c, 0]) * cell, (j + 0.5 + jit[c, 1]) * cell
        xs = ULX + cx + rr[c] * np.cos(th)
        ys = ULY - cy - rr[c] * np.sin(th)
        pts = ",".join(f"{x:.2f} {y:.2f}" for x, y in zip(xs, ys))
        g = ogr.CreateGeometryFromWkt(f"POLYGON(({pts},{xs[0]:.2f} {ys[0]:.2f}))")
        uid += 1
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("unit_id", uid)
        f.SetField("name", f"PU-{uid:05d}")
        f.SetGeometry(g)
        lyr.CreateFeature(f)
    lyr.CommitTransaction()
    ds = None
    return uid


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("size", type=int)
    ap.add_argument("prefix")
    ap.add_argument("--npoly", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    if a.size < 64:
        ap.error("SIZE must be at least 64")
    rng = np.random.default_rng(a.seed)
    log = lambda m: print(m, flush=True)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32650)
    gt = (ULX, PIX, 0.0, ULY, 0.0, -PIX)
    t0 = time.time()
    make_rasters(a.size, a.prefix, rng, gt, srs, log)
    t = time.time()
    nu = make_units(a.size, a.npoly, rng, srs, a.prefix + "_units.gpkg")
    log(f"  units: {nu} polygons {time.time() - t:.1f}s")
    log(f"total {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
