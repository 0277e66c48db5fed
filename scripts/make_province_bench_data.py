#!/usr/bin/python3
"""A province-sized synthetic pair for scripts/bench_province.sh, without writing gigabytes.

  make_province_bench_data.py TILE_PREFIX N OUT_PREFIX

Reads the tile pair TILE_PREFIX_A.tif / _B.tif / _units.gpkg made by make_bench_data.py and
writes an N x N mosaic of it:
  OUT_PREFIX_A.vrt, OUT_PREFIX_B.vrt  GDAL VRTs placing the tile N x N times side by side
                                      (each copy shifted by the tile's extent; the pixels are
                                      read from the one tile file, so the mosaic costs no disk)
  OUT_PREFIX_units.gpkg               the units repeated in every copy (unit_id made unique)
Changes that touch a tile's edge continue into the next copy, so patches cross the seams.
"""
import sys

from osgeo import gdal, ogr

gdal.UseExceptions()
ogr.UseExceptions()


def mosaic_vrt(tile_path, n, out_path):
    tile = gdal.Open(tile_path)
    w, h = tile.RasterXSize, tile.RasterYSize
    gt = tile.GetGeoTransform()
    bands = []
    for b in range(1, tile.RasterCount + 1):
        band = tile.GetRasterBand(b)
        dtype = gdal.GetDataTypeName(band.DataType)
        nodata = band.GetNoDataValue()
        sources = []
        for row in range(n):
            for col in range(n):
                sources.append(
                    f'<SimpleSource><SourceFilename relativeToVRT="0">{tile_path}</SourceFilename>'
                    f'<SourceBand>{b}</SourceBand><SrcRect xOff="0" yOff="0" xSize="{w}" ySize="{h}"/>'
                    f'<DstRect xOff="{col * w}" yOff="{row * h}" xSize="{w}" ySize="{h}"/></SimpleSource>')
        nodata_xml = f"<NoDataValue>{nodata:g}</NoDataValue>" if nodata is not None else ""
        bands.append(f'<VRTRasterBand dataType="{dtype}" band="{b}">{nodata_xml}{"".join(sources)}</VRTRasterBand>')
    xml = (f'<VRTDataset rasterXSize="{w * n}" rasterYSize="{h * n}">'
           f"<SRS>{tile.GetProjection()}</SRS>"
           f"<GeoTransform>{', '.join(repr(v) for v in gt)}</GeoTransform>{''.join(bands)}</VRTDataset>")
    with open(out_path, "w") as f:
        f.write(xml)
    return gt, w, h


def mosaic_units(units_path, n, gt, w, h, out_path):
    src = ogr.Open(units_path)
    layer = src.GetLayer(0)
    driver = ogr.GetDriverByName("GPKG")
    out = driver.CreateDataSource(out_path)
    out_layer = out.CreateLayer("units", layer.GetSpatialRef(), ogr.wkbMultiPolygon)
    out_layer.CreateField(ogr.FieldDefn("unit_id", ogr.OFTInteger))
    out_layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    features = [(f.GetField("unit_id"), f.GetGeometryRef().Clone()) for f in layer]
    stride = max(uid for uid, _ in features) + 1
    out_layer.StartTransaction()
    for row in range(n):
        for col in range(n):
            dx, dy = col * w * gt[1], row * h * gt[5]
            copy = row * n + col
            for uid, geometry in features:
                g = geometry.Clone()
                for i in range(g.GetGeometryCount()):
                    part = g.GetGeometryRef(i)
                    rings = [part] if part.GetGeometryType() in (ogr.wkbLinearRing, ogr.wkbLineString) else [
                        part.GetGeometryRef(k) for k in range(part.GetGeometryCount())]
                    for ring in rings:
                        for p in range(ring.GetPointCount()):
                            x, y = ring.GetX(p), ring.GetY(p)
                            ring.SetPoint_2D(p, x + dx, y + dy)
                feature = ogr.Feature(out_layer.GetLayerDefn())
                feature.SetField("unit_id", copy * stride + uid)
                feature.SetField("name", f"unit {copy * stride + uid}")
                feature.SetGeometry(ogr.ForceToMultiPolygon(g))
                out_layer.CreateFeature(feature)
    out_layer.CommitTransaction()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    tile_prefix, n, out_prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if n < 1:
        sys.exit("make_province_bench_data: N must be at least 1")
    gt, w, h = mosaic_vrt(f"{tile_prefix}_A.tif", n, f"{out_prefix}_A.vrt")
    mosaic_vrt(f"{tile_prefix}_B.tif", n, f"{out_prefix}_B.vrt")
    mosaic_units(f"{tile_prefix}_units.gpkg", n, gt, w, h, f"{out_prefix}_units.gpkg")
    print(f"{out_prefix}: {w * n} x {h * n} px ({w * n * h * n / 1e6:.0f} Mpx per date), "
          f"{n * n} copies of {tile_prefix}")


if __name__ == "__main__":
    main()
