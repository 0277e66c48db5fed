#pragma once
// Rows of the attribute model (columns.hpp) written as the features of an OGR layer, for the
// GeoPackage and GeoJSON writers (outputs.hpp), and the GDAL error handling they share: every
// failure is an OutputError naming the file, with GDAL's own explanation where it gave one.
// Not a public header.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_feature.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "columns.hpp"
#include "zonewatch/pipeline/core/atomic_output.hpp"

namespace zw::outputs_detail {

[[noreturn]] void throw_output_error(const std::filesystem::path& path, std::string_view what);

/// Like throw_output_error, with GDAL's own explanation appended when it gave one.
[[noreturn]] void throw_gdal_error(const std::filesystem::path& path, std::string_view what);

/// GDAL reports to stderr by default; library code must not print, and every failure we
/// care about becomes an exception carrying CPLGetLastErrorMsg() instead.
class QuietGdalErrors {
 public:
  QuietGdalErrors() { CPLErrorReset(); }

 private:
  CPLErrorHandlerPusher pusher_{CPLQuietErrorHandler};
};

/// Removes an existing file first: drivers refuse to create over a file they cannot
/// identify, and a stale file must never survive a rewrite.
void remove_existing_file(const std::filesystem::path& path);

/// Creates `file`'s temporary; errors name the target.
GDALDatasetUniquePtr create_vector_dataset(const char* driver_name, const AtomicFile& file);

/// Closing flushes the data, so it is where a full disk shows up.
void close_dataset(GDALDatasetUniquePtr& dataset, const std::filesystem::path& path);

/// The grid CRS with x = easting/longitude, as the geometries' WKT is written.
/// Returns false when the results carry no CRS.
bool load_grid_srs(const ScanResults& results, OGRSpatialReference& srs, const std::filesystem::path& path);

/// Polygon and multipolygon WKT as a multipolygon (one geometry type per layer keeps QGIS
/// and GeoPackage readers happy); empty WKT gives no geometry.
OGRGeometryUniquePtr multipolygon_from_wkt(const std::string& wkt, OGRSpatialReference* srs,
                                           const std::filesystem::path& path, const std::string& feature);

struct OgrFieldPlan {
  OGRFieldType type;
  OGRFieldSubType subtype;
};

OgrFieldPlan ogr_field_plan(FieldKind kind, bool dates_as_text);

/// Creates the layer's fields and returns their indices in column order.
template <class Row>
std::vector<int> create_fields(OGRLayer& layer, const std::vector<Column<Row>>& columns, bool dates_as_text,
                               const std::filesystem::path& path) {
  std::vector<int> indices;
  for (const Column<Row>& column : columns) {
    const OgrFieldPlan plan = ogr_field_plan(column.kind, dates_as_text);
    OGRFieldDefn definition(column.name.c_str(), plan.type);
    definition.SetSubType(plan.subtype);
    if (layer.CreateField(&definition) != OGRERR_NONE) {
      throw_gdal_error(path, "layer " + std::string(layer.GetName()) + ": cannot create field " + column.name);
    }
    // Look the index up: a driver may reorder or rename fields.
    const int index = layer.GetLayerDefn()->GetFieldIndex(column.name.c_str());
    if (index < 0) {
      throw_output_error(
          path, "layer " + std::string(layer.GetName()) + ": field " + column.name + " missing after creation");
    }
    indices.push_back(index);
  }
  return indices;
}

/// Sets field `index` of `feature` to `value`: NaN and unknown dates as NULL; dates as
/// YYYY-MM-DD text when `dates_as_text`, else as OGR dates (OutputError naming `context`
/// for a date that is not YYYY-MM-DD).
void set_field(OGRFeature& feature, int index, FieldKind kind, bool dates_as_text, const FieldValue& value,
               const std::filesystem::path& path, const std::string& context);

template <class Row>
struct LayerSpec {
  const char* name;
  const std::vector<Column<Row>>& columns;
  std::function<std::string(const Row&)> label;  // names a feature in error messages
  std::function<const std::string&(const Row&)> geometry_wkt;
};

/// Writes `rows` as features of a new layer, in one transaction when `transactional`
/// (thousands of separate SQLite commits would be orders of magnitude slower).
template <class Row>
void write_layer(GDALDataset& dataset, const LayerSpec<Row>& spec, const std::vector<const Row*>& rows,
                 OGRSpatialReference* srs, CSLConstList layer_options, bool dates_as_text, bool transactional,
                 const std::filesystem::path& path) {
  OGRLayer* layer = dataset.CreateLayer(spec.name, srs, wkbMultiPolygon, const_cast<char**>(layer_options));
  if (layer == nullptr) throw_gdal_error(path, std::string("cannot create layer ") + spec.name);
  const std::vector<int> indices = create_fields(*layer, spec.columns, dates_as_text, path);

  if (transactional && layer->StartTransaction() != OGRERR_NONE) {
    throw_gdal_error(path, std::string("layer ") + spec.name + ": cannot start transaction");
  }
  try {
    for (const Row* row : rows) {
      const std::string context = std::string("layer ") + spec.name + ", " + spec.label(*row);
      OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(layer->GetLayerDefn()));
      for (std::size_t i = 0; i < spec.columns.size(); ++i) {
        const Column<Row>& column = spec.columns[i];
        set_field(*feature, indices[i], column.kind, dates_as_text, column.value(*row), path, context);
      }
      if (OGRGeometryUniquePtr geometry = multipolygon_from_wkt(spec.geometry_wkt(*row), srs, path, context)) {
        feature->SetGeometryDirectly(geometry.release());
      }
      if (layer->CreateFeature(feature.get()) != OGRERR_NONE) {
        throw_gdal_error(path, context + ": cannot write feature");
      }
    }
  } catch (...) {
    if (transactional) (void)layer->RollbackTransaction();
    throw;
  }
  if (transactional && layer->CommitTransaction() != OGRERR_NONE) {
    throw_gdal_error(path, std::string("layer ") + spec.name + ": cannot commit transaction");
  }
}

/// The hotspots layer of the GeoPackage and the GeoJSON file.
LayerSpec<Hotspot> hotspot_layer_spec(const ScanResults& results);

}  // namespace zw::outputs_detail
