#include "zonewatch/pipeline/outputs/outputs.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_feature.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/enum_names.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"
#include "zonewatch/pipeline/monitoring/lifecycle.hpp"
#include "zonewatch/pipeline/stages/hotspots.hpp"

namespace zw {

std::string_view chinese_name(kernels::ChangeType type) { return kernels::kChangeTypeNames.chinese(type); }

namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// Attribute model shared by the GeoPackage, CSV and GeoJSON writers, so their columns
// cannot drift apart.

enum class FieldKind { text, real, integer, boolean, date };

using FieldValue = std::variant<std::monostate, std::string, double, std::int64_t, bool>;

template <class Row>
struct Column {
  std::string name;
  FieldKind kind = FieldKind::text;
  int csv_decimals = 0;  // fixed decimals of real columns in the CSV
  std::function<FieldValue(const Row&)> value;
};

template <class Row>
Column<Row> text_column(std::string name, std::function<FieldValue(const Row&)> value) {
  return {std::move(name), FieldKind::text, 0, std::move(value)};
}
template <class Row>
Column<Row> real_column(std::string name, int csv_decimals, std::function<FieldValue(const Row&)> value) {
  return {std::move(name), FieldKind::real, csv_decimals, std::move(value)};
}

const std::vector<Column<Hotspot>>& hotspot_columns() {
  using H = Hotspot;
  constexpr int kAreaM2Decimals = 1, kAreaHaDecimals = 4, kAreaMuDecimals = 3;  // ~1 m² each
  constexpr int kDegreeDecimals = 6;                                            // ~0.1 m
  constexpr int kIndexDecimals = 4;
  static const std::vector<Column<H>> columns{
      text_column<H>("hotspot_id", [](const H& h) { return h.id; }),
      text_column<H>("change_type", [](const H& h) { return std::string(kernels::to_string(h.change_type)); }),
      text_column<H>("change_type_zh", [](const H& h) { return std::string(chinese_name(h.change_type)); }),
      real_column<H>("area_m2", kAreaM2Decimals, [](const H& h) { return h.area_m2; }),
      real_column<H>("area_ha", kAreaHaDecimals, [](const H& h) { return h.area_m2 / 10000.0; }),
      real_column<H>("area_mu", kAreaMuDecimals, [](const H& h) { return h.area_m2 / kSquareMetresPerMu; }),
      real_column<H>("lon_wgs84", kDegreeDecimals, [](const H& h) { return h.centroid_lon_wgs84; }),
      real_column<H>("lat_wgs84", kDegreeDecimals, [](const H& h) { return h.centroid_lat_wgs84; }),
      real_column<H>("lon_cgcs2000", kDegreeDecimals, [](const H& h) { return h.centroid_lon_cgcs2000; }),
      real_column<H>("lat_cgcs2000", kDegreeDecimals, [](const H& h) { return h.centroid_lat_cgcs2000; }),
      real_column<H>("greenness_before", kIndexDecimals, [](const H& h) { return h.mean_greenness_before; }),
      real_column<H>("greenness_after", kIndexDecimals, [](const H& h) { return h.mean_greenness_after; }),
      real_column<H>("magnitude", kIndexDecimals, [](const H& h) { return h.mean_magnitude; }),
      {"pixel_count", FieldKind::integer, 0,
       [](const H& h) -> FieldValue { return static_cast<std::int64_t>(h.pixel_count); }},
      text_column<H>("unit_code", [](const H& h) { return h.unit_code; }),
      text_column<H>("unit_name", [](const H& h) { return h.unit_name; }),
      text_column<H>("unit_type", [](const H& h) { return std::string(to_string(h.unit_type)); }),
      text_column<H>("unit_type_zh", [](const H& h) { return std::string(chinese_name(h.unit_type)); }),
      text_column<H>("region", [](const H& h) { return h.unit_region; }),
      {"before_date", FieldKind::date, 0, [](const H& h) -> FieldValue { return h.before_date; }},
      {"after_date", FieldKind::date, 0, [](const H& h) -> FieldValue { return h.after_date; }},
      text_column<H>("severity", [](const H& h) { return std::string(to_string(h.severity)); }),
      text_column<H>("rule", [](const H& h) { return h.rule; }),
  };
  return columns;
}

/// With a monitoring store, the hotspot columns plus the hotspot's life across scans.
const std::vector<Column<Hotspot>>& tracked_hotspot_columns() {
  using H = Hotspot;
  static const std::vector<Column<H>> columns = [] {
    std::vector<Column<H>> list = hotspot_columns();
    list.push_back(text_column<H>("status", [](const H& h) { return h.status; }));
    list.push_back(text_column<H>("status_zh", [](const H& h) {
      const auto status = hotspot_status_from_string(h.status);
      return status ? std::string(chinese_name(*status)) : std::string();
    }));
    list.push_back(text_column<H>("track_event", [](const H& h) { return h.track_event; }));
    list.push_back({"first_seen", FieldKind::date, 0, [](const H& h) -> FieldValue { return h.first_seen; }});
    list.push_back(
        {"times_seen", FieldKind::integer, 0, [](const H& h) -> FieldValue { return std::int64_t{h.times_seen}; }});
    list.push_back(real_column<H>("added_area_m2", 1, [](const H& h) { return h.added_area_m2; }));
    return list;
  }();
  return columns;
}

const std::vector<Column<Hotspot>>& hotspot_columns(const ScanResults& results) {
  return results.tracked ? tracked_hotspot_columns() : hotspot_columns();
}

const std::vector<Column<UnitResult>>& unit_columns() {
  using U = UnitResult;
  static const std::vector<Column<U>> columns = [] {
    std::vector<Column<U>> list{
        text_column<U>("code", [](const U& u) { return u.code; }),
        text_column<U>("name", [](const U& u) { return u.name; }),
        text_column<U>("type", [](const U& u) { return std::string(to_string(u.type)); }),
        text_column<U>("type_zh", [](const U& u) { return std::string(chinese_name(u.type)); }),
        text_column<U>("region", [](const U& u) { return u.region; }),
        real_column<U>("area_m2", 1, [](const U& u) { return u.stats.area_m2; }),
        real_column<U>("valid_area_m2", 1, [](const U& u) { return u.stats.valid_area_m2; }),
        real_column<U>("valid_share", 4, [](const U& u) { return u.stats.valid_share; }),
        real_column<U>("changed_area_m2", 1, [](const U& u) { return u.stats.total_changed_area_m2; }),
    };
    for (int index = 0; index < kernels::kChangeTypeCount; ++index) {
      const auto type = static_cast<kernels::ChangeType>(index);
      if (!kernels::is_change(type)) continue;
      const auto slot = static_cast<std::size_t>(index);
      list.push_back(real_column<U>("changed_" + std::string(kernels::to_string(type)) + "_m2", 1,
                                    [slot](const U& u) { return u.stats.changed_area_m2[slot]; }));
    }
    list.push_back(real_column<U>("changed_share", 4, [](const U& u) { return u.stats.changed_share; }));
    list.push_back(real_column<U>("greenness_before", 4, [](const U& u) { return u.stats.mean_greenness_before; }));
    list.push_back(real_column<U>("greenness_after", 4, [](const U& u) { return u.stats.mean_greenness_after; }));
    list.push_back(real_column<U>("greenness_change", 4, [](const U& u) { return u.stats.mean_greenness_change; }));
    list.push_back({"hotspot_count", FieldKind::integer, 0,
                    [](const U& u) -> FieldValue { return std::int64_t{u.hotspot_count}; }});
    list.push_back({"assessable", FieldKind::boolean, 0, [](const U& u) -> FieldValue { return u.assessable; }});
    list.push_back({"flagged", FieldKind::boolean, 0, [](const U& u) -> FieldValue { return u.flagged; }});
    list.push_back(text_column<U>("flag_reasons", [](const U& u) { return u.flag_reasons; }));
    return list;
  }();
  return columns;
}

/// Hotspots in the report order (stages/hotspots.hpp); sorts pointers, so the caller's order is left alone.
std::vector<const Hotspot*> hotspots_in_report_order(const std::vector<Hotspot>& hotspots) {
  std::vector<const Hotspot*> order;
  order.reserve(hotspots.size());
  for (const Hotspot& hotspot : hotspots) order.push_back(&hotspot);
  std::stable_sort(order.begin(), order.end(),
                   [](const Hotspot* a, const Hotspot* b) { return report_order_less(*a, *b); });
  return order;
}

// ---------------------------------------------------------------------------------------
// Error handling

[[noreturn]] void throw_output_error(const fs::path& path, std::string_view what) {
  throw OutputError(path.string() + ": " + std::string(what));
}

/// Like throw_output_error, with GDAL's own explanation appended when it gave one.
[[noreturn]] void throw_gdal_error(const fs::path& path, std::string_view what) {
  std::string message(what);
  const std::string gdal_message = CPLGetLastErrorMsg();
  if (!gdal_message.empty()) message += " (GDAL: " + gdal_message + ")";
  throw_output_error(path, message);
}

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
void remove_existing_file(const fs::path& path) {
  std::error_code error;
  const auto status = fs::symlink_status(path, error);
  if (error || status.type() == fs::file_type::not_found) return;  // creation reports it
  if (status.type() == fs::file_type::directory) throw_output_error(path, "is a folder");
  fs::remove(path, error);
  if (error) throw_output_error(path, "cannot replace existing file: " + error.message());
}

/// Creates `file`'s temporary; errors name the target.
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

/// Closing flushes the data, so it is where a full disk shows up.
void close_dataset(GDALDatasetUniquePtr& dataset, const fs::path& path) {
  CPLErrorReset();
  GDALClose(dataset.release());
  if (CPLGetLastErrorType() >= CE_Failure) throw_gdal_error(path, "writing failed on close");
}

/// The grid CRS with x = easting/longitude, as the geometries' WKT is written.
/// Returns false when the results carry no CRS.
bool load_grid_srs(const ScanResults& results, OGRSpatialReference& srs, const fs::path& path) {
  if (results.grid_crs_wkt.empty()) return false;
  if (srs.importFromWkt(results.grid_crs_wkt.c_str()) != OGRERR_NONE) {
    throw_gdal_error(path, "grid CRS WKT cannot be parsed");
  }
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return true;
}

/// Polygon and multipolygon WKT as a multipolygon (one geometry type per layer keeps QGIS
/// and GeoPackage readers happy); empty WKT gives no geometry.
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

struct OgrFieldPlan {
  OGRFieldType type;
  OGRFieldSubType subtype;
};

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

/// Creates the layer's fields and returns their indices in column order.
template <class Row>
std::vector<int> create_fields(OGRLayer& layer, const std::vector<Column<Row>>& columns, bool dates_as_text,
                               const fs::path& path) {
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
                 const fs::path& path) {
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

LayerSpec<Hotspot> hotspot_layer_spec(const ScanResults& results) {
  return {"hotspots", hotspot_columns(results), [](const Hotspot& h) { return "hotspot " + h.id; },
          [](const Hotspot& h) -> const std::string& { return h.geometry_wkt; }};
}

// ---------------------------------------------------------------------------------------
// CSV formatting

std::string csv_cell(const FieldValue& value, int decimals) {
  if (const auto* text = std::get_if<std::string>(&value)) return text::csv_escape(*text);
  if (const auto* real = std::get_if<double>(&value)) return text::fixed(*real, decimals);
  if (const auto* integer = std::get_if<std::int64_t>(&value)) return std::to_string(*integer);
  if (const auto* flag = std::get_if<bool>(&value)) return *flag ? "true" : "false";
  return {};
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Writers

void write_alerts_gpkg(const std::filesystem::path& path, const ScanResults& results) {
  const QuietGdalErrors quiet;
  OGRSpatialReference grid_srs;
  OGRSpatialReference* srs = load_grid_srs(results, grid_srs, path) ? &grid_srs : nullptr;

  AtomicFile file(path, "the GeoPackage");
  GDALDatasetUniquePtr dataset = create_vector_dataset("GPKG", file);

  CPLStringList hotspot_options;
  hotspot_options.SetNameValue("IDENTIFIER", "hotspots 疑似问题图斑");
  hotspot_options.SetNameValue("DESCRIPTION", "Typed change patches, by severity then area");
  write_layer(*dataset, hotspot_layer_spec(results), hotspots_in_report_order(results.hotspots), srs,
              hotspot_options.List(), /*dates_as_text=*/false, /*transactional=*/true, path);

  std::vector<const UnitResult*> units;
  units.reserve(results.units.size());
  for (const UnitResult& unit : results.units) units.push_back(&unit);
  const LayerSpec<UnitResult> unit_spec{"units", unit_columns(), [](const UnitResult& u) { return "unit " + u.code; },
                                        [](const UnitResult& u) -> const std::string& { return u.geometry_wkt; }};
  CPLStringList unit_options;
  unit_options.SetNameValue("IDENTIFIER", "units 管控单元");
  unit_options.SetNameValue("DESCRIPTION", "Control units with change statistics and flags");
  write_layer(*dataset, unit_spec, units, srs, unit_options.List(), /*dates_as_text=*/false,
              /*transactional=*/true, path);

  close_dataset(dataset, path);
  file.commit();
}

void write_hotspots_csv(const std::filesystem::path& path, const ScanResults& results) {
  const auto& columns = hotspot_columns(results);
  std::string text = "\xEF\xBB\xBF";  // UTF-8 BOM: without it Excel decodes Chinese as ANSI
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) text += ',';
    text += text::csv_escape(columns[i].name);
  }
  text += "\r\n";
  for (const Hotspot* hotspot : hotspots_in_report_order(results.hotspots)) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) text += ',';
      text += csv_cell(columns[i].value(*hotspot), columns[i].csv_decimals);
    }
    text += "\r\n";
  }

  remove_existing_file(path);
  AtomicFile file(path, "the CSV file");
  std::ofstream out(file.temporary(), std::ios::binary | std::ios::trunc);
  if (!out) throw_output_error(path, std::string("cannot open for writing: ") + std::strerror(errno));
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw_output_error(path, std::string("write failed: ") + std::strerror(errno));
  file.commit();
}

void write_hotspots_geojson(const std::filesystem::path& path, const ScanResults& results) {
  const QuietGdalErrors quiet;
  OGRSpatialReference grid_srs;
  if (!load_grid_srs(results, grid_srs, path)) {
    throw_output_error(path, "results carry no grid CRS, cannot reproject to WGS84");
  }

  AtomicFile file(path, "the GeoJSON file");
  GDALDatasetUniquePtr dataset = create_vector_dataset("GeoJSON", file);

  // RFC7946=YES makes the driver reproject to WGS84 in lon/lat order, wind exterior rings
  // counter-clockwise and split at the antimeridian: everything RFC 7946 asks of us.
  CPLStringList options;
  options.SetNameValue("RFC7946", "YES");
  options.SetNameValue("COORDINATE_PRECISION", "7");  // ~1 cm, enough for 10 m pixels
  options.SetNameValue("WRITE_NAME", "NO");
  // GeoJSON has no date type; ISO date strings are what every reader expects.
  write_layer(*dataset, hotspot_layer_spec(results), hotspots_in_report_order(results.hotspots), &grid_srs,
              options.List(), /*dates_as_text=*/true, /*transactional=*/false, path);

  close_dataset(dataset, path);
  file.commit();
}

}  // namespace zw
