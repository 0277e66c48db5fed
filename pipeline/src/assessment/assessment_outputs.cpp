// The assessment's files: assessment.gpkg, units.csv, by_type.csv, by_region.csv,
// assessment.json and report.html, staged and committed as one set.
#include <cmath>
#include <fstream>

#include <cpl_error.h>
#include <gdal_priv.h>
#include <ogr_feature.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "assessment_columns.hpp"
#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw {
namespace fs = std::filesystem;
using nlohmann::json;

namespace assessment_detail {

std::string_view class_colour(ChangeClass change_class) {
  switch (change_class) {
    case ChangeClass::significantly_worse: return "#d7191c";
    case ChangeClass::slightly_worse: return "#fdae61";
    case ChangeClass::stable: return "#ffffbf";
    case ChangeClass::slightly_better: return "#a6d96a";
    case ChangeClass::significantly_better: return "#1a9641";
    case ChangeClass::not_assessed: break;
  }
  return "#bdbdbd";
}

std::string class_label(ChangeClass change_class) {
  std::string english(kernels::kChangeClassNames.name(change_class));
  for (char& c : english) c = c == '_' ? ' ' : c;
  return std::string(kernels::chinese_name(change_class)) + " " + english;
}

std::vector<TableColumn<UnitAssessment>> unit_columns(const AssessmentResult& result) {
  using U = UnitAssessment;
  std::vector<TableColumn<U>> c{
      {"unit_code", 0, [](const U& u) { return Cell(u.unit->code); }},
      {"unit_name", 0, [](const U& u) { return Cell(u.unit->name); }},
      {"region", 0, [](const U& u) { return Cell(u.unit->region); }},
      {"unit_type", 0, [](const U& u) { return Cell(std::string(to_string(u.unit->type))); }},
      {"unit_type_zh", 0, [](const U& u) { return Cell(std::string(chinese_name(u.unit->type))); }},
      {"area_m2", 1, [](const U& u) { return Cell(u.area_m2); }},
      {"valid_area_m2", 1, [](const U& u) { return Cell(u.valid_area_m2); }},
  };
  // Value this year, the previous year and the baseline year, for every indicator.
  const auto add_indicator = [&](const std::string& name, int decimals, double IndicatorValues::*field) {
    c.push_back({name, decimals, [field](const U& u) { return Cell(u.current.*field); }});
    c.push_back({name + "_prev", decimals, [field](const U& u) { return Cell(u.previous.*field); }});
    c.push_back({name + "_base", decimals, [field](const U& u) { return Cell(u.baseline.*field); }});
  };
  add_indicator("rsei", 4, &IndicatorValues::rsei);
  c.push_back({"rsei_chg_prev_pts", 2, [](const U& u) { return Cell(u.rsei_points_vs_previous); }});
  c.push_back({"rsei_chg_base_pts", 2, [](const U& u) { return Cell(u.rsei_points_vs_baseline); }});
  add_indicator("fvc", 4, &IndicatorValues::fvc);
  c.push_back({"fvc_chg_prev_pts", 2, [](const U& u) { return Cell(u.fvc_points_vs_previous); }});
  c.push_back({"fvc_chg_base_pts", 2, [](const U& u) { return Cell(u.fvc_points_vs_baseline); }});
  add_indicator("ndvi", 4, &IndicatorValues::ndvi);
  add_indicator("water_m2", 1, &IndicatorValues::water_m2);
  add_indicator("built_bare_m2", 1, &IndicatorValues::built_bare_m2);
  add_indicator("vegetation_m2", 1, &IndicatorValues::vegetation_m2);
  const auto name_of = [](ChangeClass k) { return Cell(std::string(kernels::kChangeClassNames.name(k))); };
  c.push_back({"class", 0, [=](const U& u) { return name_of(u.change_class); }});
  c.push_back({"class_zh", 0, [](const U& u) { return Cell(std::string(kernels::chinese_name(u.change_class))); }});
  c.push_back({"class_pts", 2, [](const U& u) { return Cell(u.class_points); }});
  c.push_back({"class_vs_prev", 0, [=](const U& u) { return name_of(u.class_vs_previous); }});
  c.push_back({"class_vs_base", 0, [=](const U& u) { return name_of(u.class_vs_baseline); }});
  const std::string indicator(kAssessedIndicatorNames.name(result.options.indicator));
  c.push_back({"trend_" + indicator + "_pts_yr", 3, [](const U& u) { return Cell(u.trend_slope_points_per_year); }});
  c.push_back({"trend_p_value", 4, [](const U& u) { return Cell(u.trend_p_value); }});
  c.push_back({"trend_years", 0, [](const U& u) { return Cell(std::int64_t{u.trend_years}); }});
  c.push_back({"trend_significant", 0, [](const U& u) {
                 return Cell(std::isfinite(u.trend_p_value) ? std::int64_t{u.trend_significant} : std::int64_t{-1});
               }});
  c.push_back({"hotspots_found", 0, [](const U& u) { return Cell(u.hotspots_found); }});
  c.push_back({"hotspots_confirmed", 0, [](const U& u) { return Cell(u.hotspots_confirmed); }});
  c.push_back({"hotspots_rectified", 0, [](const U& u) { return Cell(u.hotspots_rectified); }});
  return c;
}

std::vector<TableColumn<GroupSummary>> group_columns(const AssessmentResult& result) {
  using G = GroupSummary;
  std::vector<TableColumn<G>> c{
      {"group", 0, [](const G& g) { return Cell(g.key); }},
      {"group_zh", 0, [](const G& g) { return Cell(g.chinese); }},
      {"units", 0, [](const G& g) { return Cell(std::int64_t{g.units}); }},
      {"assessed", 0, [](const G& g) { return Cell(std::int64_t{g.assessed}); }},
      {"area_m2", 1, [](const G& g) { return Cell(g.area_m2); }},
      {"assessed_area_m2", 1, [](const G& g) { return Cell(g.assessed_area_m2); }},
  };
  for (const auto& entry : kernels::kChangeClassNames.entries()) {
    const auto index = static_cast<std::size_t>(entry.value);
    c.push_back({"n_" + std::string(entry.name), 0,
                 [index](const G& g) { return Cell(std::int64_t{g.class_counts.at(index)}); }});
  }
  for (const auto& entry : kernels::kChangeClassNames.entries()) {
    const auto index = static_cast<std::size_t>(entry.value);
    c.push_back({"area_" + std::string(entry.name) + "_m2", 1,
                 [index](const G& g) { return Cell(g.class_area_m2.at(index)); }});
  }
  const std::string indicator(kAssessedIndicatorNames.name(result.options.indicator));
  c.push_back({"mean_" + indicator, 4, [](const G& g) { return Cell(g.mean_indicator); }});
  c.push_back({"mean_change_pts", 2, [](const G& g) { return Cell(g.mean_change_points); }});
  return c;
}

}  // namespace assessment_detail

namespace {

using namespace assessment_detail;

std::string csv_cell(const Cell& cell, int decimals) {
  if (const auto* text_value = std::get_if<std::string>(&cell)) {
    return text::csv_text(*text_value);
  }
  if (const auto* real = std::get_if<double>(&cell)) return text::fixed(*real, decimals);  // NaN -> ""
  const std::int64_t integer = std::get<std::int64_t>(cell);
  return integer < 0 ? std::string() : std::to_string(integer);
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  out.close();
  if (!out) throw OutputError(path.string() + ": cannot write");
}

template <class Row>
void write_csv(const fs::path& path, const std::vector<TableColumn<Row>>& columns,
               const std::vector<const Row*>& rows) {
  std::string text = "\xEF\xBB\xBF";  // UTF-8 BOM: without it Excel decodes Chinese as ANSI
  std::vector<std::string> fields;
  for (const auto& column : columns) fields.push_back(column.name);
  text += text::csv_line(fields);
  for (const Row* row : rows) {
    std::string line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      line += (i == 0 ? "" : ",") + csv_cell(columns[i].value(*row), columns[i].decimals);
    }
    text += line + "\r\n";
  }
  write_file(path, text);
}

[[noreturn]] void gdal_failure(const fs::path& path, const std::string& what) {
  std::string message = path.string() + ": " + what;
  if (const std::string gdal = CPLGetLastErrorMsg(); !gdal.empty()) message += " (GDAL: " + gdal + ")";
  throw OutputError(message);
}

void write_gpkg(const fs::path& path, const AssessmentResult& result) {
  CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);  // failures become exceptions, not stderr
  CPLErrorReset();
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
  if (driver == nullptr) gdal_failure(path, "the GDAL GPKG driver is not available");
  GDALDatasetUniquePtr dataset(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!dataset) gdal_failure(path, "cannot create the GeoPackage");
  OGRSpatialReference srs;
  OGRSpatialReference* layer_srs = nullptr;
  if (!result.grid.crs_wkt.empty()) {
    if (srs.importFromWkt(result.grid.crs_wkt.c_str()) != OGRERR_NONE) gdal_failure(path, "grid CRS WKT unreadable");
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    layer_srs = &srs;
  }
  OGRLayer* layer = dataset->CreateLayer("assessment", layer_srs, wkbMultiPolygon, nullptr);
  if (layer == nullptr) gdal_failure(path, "cannot create layer assessment");
  const auto columns = unit_columns(result);
  std::vector<int> indices;
  for (const auto& column : columns) {
    const Cell sample = column.value(result.units.front());
    const OGRFieldType type = std::holds_alternative<std::string>(sample) ? OFTString
                              : std::holds_alternative<double>(sample)    ? OFTReal
                                                                          : OFTInteger64;
    OGRFieldDefn definition(column.name.c_str(), type);
    if (layer->CreateField(&definition) != OGRERR_NONE) gdal_failure(path, "cannot create field " + column.name);
    indices.push_back(layer->GetLayerDefn()->GetFieldIndex(column.name.c_str()));
  }
  if (layer->StartTransaction() != OGRERR_NONE) gdal_failure(path, "cannot start a transaction");
  for (const UnitAssessment& unit : result.units) {
    OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(layer->GetLayerDefn()));
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const Cell cell = columns[i].value(unit);
      if (const auto* text_value = std::get_if<std::string>(&cell)) {
        feature->SetField(indices[i], text_value->c_str());
      } else if (const auto* real = std::get_if<double>(&cell)) {
        if (std::isfinite(*real)) {
          feature->SetField(indices[i], *real);
        } else {
          feature->SetFieldNull(indices[i]);
        }
      } else if (const std::int64_t integer = std::get<std::int64_t>(cell); integer >= 0) {
        feature->SetField(indices[i], static_cast<GIntBig>(integer));
      } else {
        feature->SetFieldNull(indices[i]);
      }
    }
    if (!unit.unit->geometry_wkt.empty()) {
      OGRGeometry* parsed = nullptr;
      const char* wkt = unit.unit->geometry_wkt.c_str();
      if (OGRGeometryFactory::createFromWkt(&wkt, layer_srs, &parsed) != OGRERR_NONE || parsed == nullptr) {
        throw OutputError(path.string() + ": unit " + unit.unit->code + ": geometry WKT cannot be parsed");
      }
      feature->SetGeometryDirectly(OGRGeometryFactory::forceToMultiPolygon(parsed));
    }
    if (layer->CreateFeature(feature.get()) != OGRERR_NONE) {
      gdal_failure(path, "unit " + unit.unit->code + ": cannot write feature");
    }
  }
  if (layer->CommitTransaction() != OGRERR_NONE) gdal_failure(path, "cannot commit");
  CPLErrorReset();
  GDALClose(dataset.release());
  if (CPLGetLastErrorType() >= CE_Failure) gdal_failure(path, "writing failed on close");
}

}  // namespace

AssessmentFiles write_assessment_outputs(const AssessmentResult& result, const fs::path& out_dir,
                                         const GpkgLayerHook& style_layer) {
  if (result.units.empty()) throw InternalError("assessment outputs: no units");
  init_gdal();
  OutputStaging staging(out_dir);
  write_file(staging.staged("report.html"), assessment_report_html(result));
  write_gpkg(staging.staged("assessment.gpkg"), result);
  // Hook for the QGIS layer styles (shared helper, wired by the caller).
  if (style_layer) style_layer(staging.staged("assessment.gpkg"), "assessment");
  std::vector<const UnitAssessment*> units;
  for (const UnitAssessment& u : result.units) units.push_back(&u);
  write_csv(staging.staged("units.csv"), unit_columns(result), units);
  const auto groups = [](const std::vector<GroupSummary>& list) {
    std::vector<const GroupSummary*> rows;
    for (const GroupSummary& g : list) rows.push_back(&g);
    return rows;
  };
  write_csv(staging.staged("by_type.csv"), group_columns(result), groups(result.by_type));
  write_csv(staging.staged("by_region.csv"), group_columns(result), groups(result.by_region));
  write_file(staging.staged("assessment.json"), result.to_json().dump(2) + "\n");
  staging.commit();
  return {out_dir / "report.html", out_dir / "assessment.gpkg", out_dir / "units.csv",
          out_dir / "by_type.csv", out_dir / "by_region.csv",   out_dir / "assessment.json"};
}

// ---- assessment.json

namespace {

json number_or_null(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

json group_json(const GroupSummary& g) {
  json counts = json::object(), areas = json::object();
  for (const auto& entry : kernels::kChangeClassNames.entries()) {
    const auto index = static_cast<std::size_t>(entry.value);
    counts[std::string(entry.name)] = g.class_counts.at(index);
    areas[std::string(entry.name)] = g.class_area_m2.at(index);
  }
  json series = json::array();
  for (double v : g.mean_series) series.push_back(number_or_null(v));
  return {{"group", g.key},
          {"group_zh", g.chinese},
          {"units", g.units},
          {"assessed", g.assessed},
          {"area_m2", g.area_m2},
          {"assessed_area_m2", g.assessed_area_m2},
          {"class_counts", counts},
          {"class_area_m2", areas},
          {"mean_indicator", number_or_null(g.mean_indicator)},
          {"mean_change_points", number_or_null(g.mean_change_points)},
          {"mean_series", series}};
}

}  // namespace

json AssessmentResult::to_json() const {
  json j;
  j["zonewatch_version"] = kVersion;
  j["programme"] = programme;
  j["year"] = year;
  j["previous_year"] = previous_year;
  j["baseline_year"] = baseline_year;
  j["years"] = years;
  j["options"] = {{"indicator", kAssessedIndicatorNames.name(options.indicator)},
                  {"classes_against", kClassReferenceNames.name(options.class_reference)},
                  {"stable_max_points", options.stable_max},
                  {"slight_max_points", options.slight_max},
                  {"trend_min_years", options.trend_min_years},
                  {"trend_alpha", options.trend_alpha}};
  j["headline"] = {{"priority_units", headline.priority_units},
                   {"priority_assessed", headline.priority_assessed},
                   {"priority_declined", headline.priority_declined},
                   {"priority_area_m2", headline.priority_area_m2},
                   {"priority_assessed_area_m2", headline.priority_assessed_area_m2},
                   {"priority_declined_area_m2", headline.priority_declined_area_m2},
                   {"declined_share_count", number_or_null(headline.declined_share_count)},
                   {"declined_share_area", number_or_null(headline.declined_share_area)}};
  j["all"] = group_json(all);
  j["by_type"] = json::array();
  for (const GroupSummary& g : by_type) j["by_type"].push_back(group_json(g));
  j["by_region"] = json::array();
  for (const GroupSummary& g : by_region) j["by_region"].push_back(group_json(g));
  j["enforcement"] = json::array();
  for (const EnforcementCase& e : enforcement) {
    j["enforcement"].push_back({{"unit_code", e.unit->unit->code},
                                {"unit_type", to_string(e.unit->unit->type)},
                                {"declined", e.declined},
                                {"change_points", number_or_null(e.unit->class_points)},
                                {"unrectified_hotspots", e.unrectified}});
  }
  j["units"] = json::array();
  for (const UnitAssessment& u : units) {
    j["units"].push_back({{"unit_code", u.unit->code},
                          {"unit_type", to_string(u.unit->type)},
                          {"region", u.unit->region},
                          {"class", kernels::kChangeClassNames.name(u.change_class)},
                          {"class_vs_previous", kernels::kChangeClassNames.name(u.class_vs_previous)},
                          {"class_vs_baseline", kernels::kChangeClassNames.name(u.class_vs_baseline)},
                          {"change_points", number_or_null(u.class_points)},
                          {"rsei", number_or_null(u.current.rsei)},
                          {"rsei_change_vs_previous_points", number_or_null(u.rsei_points_vs_previous)},
                          {"rsei_change_vs_baseline_points", number_or_null(u.rsei_points_vs_baseline)},
                          {"fvc_change_vs_previous_points", number_or_null(u.fvc_points_vs_previous)},
                          {"fvc_change_vs_baseline_points", number_or_null(u.fvc_points_vs_baseline)},
                          {"trend_slope_points_per_year", number_or_null(u.trend_slope_points_per_year)},
                          {"trend_p_value", number_or_null(u.trend_p_value)},
                          {"trend_significant", u.trend_significant}});
  }
  return j;
}

}  // namespace zw
