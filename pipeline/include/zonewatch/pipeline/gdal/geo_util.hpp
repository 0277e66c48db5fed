#pragma once
// OGR geometry helpers shared by the store, ingest and dispatch code (internal).
#include <array>
#include <memory>
#include <string>

#include <ogr_geometry.h>
#include <ogr_spatialref.h>

namespace zw::geo {

/// A spatial reference from WKT with x = easting / longitude. Throws InternalError naming
/// `what` when the WKT cannot be parsed.
OGRSpatialReference srs_from_wkt(const std::string& wkt, const std::string& what);

/// Parses polygon / multipolygon WKT; null for empty text. Throws InternalError naming `what`.
OGRGeometryUniquePtr from_wkt(const std::string& wkt, const std::string& what);
std::string to_wkt(const OGRGeometry& geometry);

/// Polygonal parts only, as a multipolygon (GEOS operations may return collections).
OGRGeometryUniquePtr as_multipolygon(OGRGeometryUniquePtr geometry);

/// Transforms geometries between two CRSs (a no-op when they are the same).
class Reprojector {
 public:
  Reprojector(const std::string& source_wkt, const std::string& target_wkt);
  /// A transformed copy. Throws InternalError when the transformation fails.
  [[nodiscard]] OGRGeometryUniquePtr operator()(const OGRGeometry& geometry) const;
  [[nodiscard]] bool identity() const { return !transform_; }

 private:
  std::unique_ptr<OGRCoordinateTransformation> transform_;
};

/// Centroid of a geometry in `srs` as {lon WGS84, lat WGS84, lon CGCS2000, lat CGCS2000}.
class GeographicCentroids {
 public:
  explicit GeographicCentroids(const std::string& crs_wkt);
  [[nodiscard]] std::array<double, 4> operator()(const OGRGeometry& geometry) const;
  /// One point in the CRS to WGS84 lon/lat.
  [[nodiscard]] std::array<double, 2> to_wgs84(double x, double y) const;

 private:
  std::unique_ptr<OGRCoordinateTransformation> to_wgs84_, to_cgcs2000_;
};

/// Metres per linear unit of a projected CRS (1 for metres).
double metres_per_unit(const OGRSpatialReference& srs);

}  // namespace zw::geo
