#include "zonewatch/pipeline/gdal/geo_util.hpp"

#include <cpl_conv.h>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw::geo {

OGRSpatialReference srs_from_wkt(const std::string& wkt, const std::string& what) {
  OGRSpatialReference srs;
  if (srs.importFromWkt(wkt.c_str()) != OGRERR_NONE) {
    throw InternalError(what + ": CRS WKT cannot be parsed" + gdal_error_suffix());
  }
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

OGRGeometryUniquePtr from_wkt(const std::string& wkt, const std::string& what) {
  if (wkt.empty()) return nullptr;
  OGRGeometry* raw = nullptr;
  if (OGRGeometryFactory::createFromWkt(wkt.c_str(), nullptr, &raw) != OGRERR_NONE || raw == nullptr) {
    delete raw;
    throw InternalError(what + ": geometry WKT cannot be parsed");
  }
  return OGRGeometryUniquePtr(raw);
}

std::string to_wkt(const OGRGeometry& geometry) {
  char* wkt = nullptr;
  geometry.exportToWkt(&wkt, wkbVariantIso);
  std::string out = wkt != nullptr ? wkt : "";
  CPLFree(wkt);
  return out;
}

namespace {
void collect_polygons(const OGRGeometry& geometry, OGRMultiPolygon& out) {
  switch (wkbFlatten(geometry.getGeometryType())) {
    case wkbPolygon:
      if (!geometry.IsEmpty()) out.addGeometry(&geometry);
      break;
    case wkbMultiPolygon:
    case wkbGeometryCollection:
      for (const OGRGeometry* part : *geometry.toGeometryCollection()) collect_polygons(*part, out);
      break;
    default: break;
  }
}
}  // namespace

OGRGeometryUniquePtr as_multipolygon(OGRGeometryUniquePtr geometry) {
  auto out = std::make_unique<OGRMultiPolygon>();
  if (geometry) {
    collect_polygons(*geometry, *out);
    out->assignSpatialReference(geometry->getSpatialReference());
  }
  return OGRGeometryUniquePtr(out.release());
}

Reprojector::Reprojector(const std::string& source_wkt, const std::string& target_wkt) {
  if (source_wkt.empty() || target_wkt.empty()) return;
  const OGRSpatialReference source = srs_from_wkt(source_wkt, "source CRS");
  const OGRSpatialReference target = srs_from_wkt(target_wkt, "target CRS");
  if (source.IsSame(&target)) return;
  transform_.reset(OGRCreateCoordinateTransformation(&source, &target));
  if (!transform_) throw InternalError("no transformation between the grid and the store CRS" + gdal_error_suffix());
}

OGRGeometryUniquePtr Reprojector::operator()(const OGRGeometry& geometry) const {
  OGRGeometryUniquePtr copy(geometry.clone());
  if (transform_ && copy->transform(transform_.get()) != OGRERR_NONE) {
    throw InternalError("geometry cannot be transformed to the store CRS" + gdal_error_suffix());
  }
  return copy;
}

GeographicCentroids::GeographicCentroids(const std::string& crs_wkt) {
  if (crs_wkt.empty()) return;
  const OGRSpatialReference source = srs_from_wkt(crs_wkt, "centroid CRS");
  OGRSpatialReference wgs84, cgcs2000;
  wgs84.importFromEPSG(4326);
  cgcs2000.importFromEPSG(4490);
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  cgcs2000.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  to_wgs84_.reset(OGRCreateCoordinateTransformation(&source, &wgs84));
  to_cgcs2000_.reset(OGRCreateCoordinateTransformation(&source, &cgcs2000));
}

std::array<double, 4> GeographicCentroids::operator()(const OGRGeometry& geometry) const {
  std::array<double, 4> out{0, 0, 0, 0};
  OGRPoint centroid;
  if (geometry.IsEmpty() || geometry.Centroid(&centroid) != OGRERR_NONE) return out;
  double x = centroid.getX(), y = centroid.getY();
  out = {x, y, x, y};
  if (to_wgs84_) {
    double lx = x, ly = y;
    if (to_wgs84_->Transform(1, &lx, &ly)) out[0] = lx, out[1] = ly;
  }
  if (to_cgcs2000_) {
    double cx = x, cy = y;
    if (to_cgcs2000_->Transform(1, &cx, &cy)) out[2] = cx, out[3] = cy;
  }
  return out;
}

std::array<double, 2> GeographicCentroids::to_wgs84(double x, double y) const {
  if (to_wgs84_) to_wgs84_->Transform(1, &x, &y);
  return {x, y};
}

double metres_per_unit(const OGRSpatialReference& srs) {
  if (!srs.IsProjected()) return 1.0;
  const double factor = srs.GetLinearUnits(nullptr);
  return factor > 0 ? factor : 1.0;
}

}  // namespace zw::geo
