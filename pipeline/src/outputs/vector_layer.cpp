// Writing rows as OGR layer features, and the GDAL error handling of the vector writers.
#include "vector_layer.hpp"

#include <cmath>
#include <cstdint>
#include <system_error>

#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw::outputs_detail {

namespace fs = std::filesystem;

void throw_output_error(const fs::path& path, std::string_view what) {
  throw OutputError(path.string() + ": " + std::string(what));
}

void throw_gdal_error(const fs::path& path, std::string_view what) {
  std::string message(what);
  const std::string gdal_message = CPLGetLastErrorMsg();
  if (!gdal_message.empty()) message += " (GDAL: " + gdal_message + ")";
  throw_output_error(path, message);
}

void remove_existing_file(const fs::path& path) {
  std::error_code error;
  const auto status = fs::symlink_status(path, error);
  if (error || status.type() == fs::file_type::not_found) return;  // creation reports it
  if (status.type() == fs::file_type::directory) throw_output_error(path, "is a folder");
  fs::remove(path, error);
  if (error) throw_output_error(path, "cannot replace existing file: " + error.message());
}

GDALDatasetUniquePtr create_vector_dataset(const char* driver_name, const AtomicFile& file) {
  const fs::path& path = file.target();
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name);
  if (driver == nullptr) {
    throw_output_error(path,
                       std::string("GDAL driver ") + driver_name + " is not available (GDALAllRegister() not called?)");
  }
  remove_existing_file(path);
  GDALDatasetUniquePtr dataset(driver->Create(file.temporary().c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!dataset) throw_gdal_error(path, std::string("cannot create ") + driver_name + " file");
  return dataset;
}

void close_dataset(GDALDatasetUniquePtr& dataset, const fs::path& path) {
  CPLErrorReset();
  GDALClose(dataset.release());
  if (CPLGetLastErrorType() >= CE_Failure) throw_gdal_error(path, "writing failed on close");
}

bool load_grid_srs(const ScanResults& results, OGRSpatialReference& srs, const fs::path& path) {
  if (results.grid_crs_wkt.empty()) return false;
  if (srs.importFromWkt(results.grid_crs_wkt.c_str()) != OGRERR_NONE) {
    throw_gdal_error(path, "grid CRS WKT cannot be parsed");
  }
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return true;
}

OGRGeometryUniquePtr multipolygon_from_wkt(const std::string& wkt, OGRSpatialReference* srs, const fs::path& path,
                                           const std::string& feature) {
  if (wkt.empty()) return nullptr;
  OGRGeometry* raw = nullptr;
  const OGRErr parse_error = OGRGeometryFactory::createFromWkt(wkt.c_str(), srs, &raw);
  OGRGeometryUniquePtr parsed(raw);
  if (parse_error != OGRERR_NONE || !parsed) {
    throw_gdal_error(path, feature + ": geometry WKT cannot be parsed");
  }
  const auto flat_type = wkbFlatten(parsed->getGeometryType());
  if (flat_type != wkbPolygon && flat_type != wkbMultiPolygon) {
    throw_output_error(path, feature + ": geometry is a " + parsed->getGeometryName() + ", not a polygon");
  }
  return OGRGeometryUniquePtr(OGRGeometryFactory::forceToMultiPolygon(parsed.release()));
}

OgrFieldPlan ogr_field_plan(FieldKind kind, bool dates_as_text) {
  switch (kind) {
    case FieldKind::text: return {OFTString, OFSTNone};
    case FieldKind::real: return {OFTReal, OFSTNone};
    case FieldKind::integer: return {OFTInteger64, OFSTNone};
    case FieldKind::boolean: return {OFTInteger, OFSTBoolean};
    case FieldKind::date: return {dates_as_text ? OFTString : OFTDate, OFSTNone};
  }
  return {OFTString, OFSTNone};
}

void set_field(OGRFeature& feature, int index, FieldKind kind, bool dates_as_text, const FieldValue& value,
               const fs::path& path, const std::string& context) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    if (kind == FieldKind::date && text->empty()) {  // unknown date: NULL in every format
      feature.SetFieldNull(index);
      return;
    }
    if (kind != FieldKind::date || dates_as_text) {
      feature.SetField(index, text->c_str());
      return;
    }
    // Strictly YYYY-MM-DD: OGR's own string-to-date conversion guesses silently.
    const auto date = iso_date_fields(*text);
    if (!date) throw_output_error(path, context + ": date '" + *text + "' is not YYYY-MM-DD");
    feature.SetField(index, date->year, static_cast<int>(date->month), static_cast<int>(date->day));
  } else if (const auto* real = std::get_if<double>(&value)) {
    if (std::isfinite(*real)) {
      feature.SetField(index, *real);
    } else {
      feature.SetFieldNull(index);
    }
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    feature.SetField(index, static_cast<GIntBig>(*integer));
  } else if (const auto* flag = std::get_if<bool>(&value)) {
    feature.SetField(index, *flag ? 1 : 0);
  } else {
    feature.SetFieldNull(index);
  }
}

LayerSpec<Hotspot> hotspot_layer_spec(const ScanResults& results) {
  return {"hotspots", hotspot_columns(results), [](const Hotspot& h) { return "hotspot " + h.id; },
          [](const Hotspot& h) -> const std::string& { return h.geometry_wkt; }};
}

}  // namespace zw::outputs_detail
