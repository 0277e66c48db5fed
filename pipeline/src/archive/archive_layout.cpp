#include "archive_layout.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <system_error>

#include "zonewatch/pipeline/archive/archive_file.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw::archive_detail {
namespace {

namespace fs = std::filesystem;
using kernels::kRseiComponentCount;

const std::array<std::string, kRseiComponentCount> kComponentNames{"greenness", "wetness", "heat", "dryness"};

/// A float64 indicator column: its dataset name, CF units and where it lives in a row.
struct DoubleColumn {
  const char* name;
  const char* units;
  double& (*field)(UnitYearIndicators&);
};

const std::vector<DoubleColumn>& double_columns() {
  using R = UnitYearIndicators;
  static const std::vector<DoubleColumn> columns{
      {"area_m2", "m2", [](R& r) -> double& { return r.area_m2; }},
      {"valid_area_m2", "m2", [](R& r) -> double& { return r.valid_area_m2; }},
      {"ndvi_mean", "1", [](R& r) -> double& { return r.ndvi_mean; }},
      {"fvc_mean", "1", [](R& r) -> double& { return r.fvc_mean; }},
      {"rsei_mean", "1", [](R& r) -> double& { return r.rsei_mean; }},
      {"rsei_greenness_mean", "1", [](R& r) -> double& { return r.component_means[0]; }},
      {"rsei_wetness_mean", "1", [](R& r) -> double& { return r.component_means[1]; }},
      {"rsei_heat_mean", "1", [](R& r) -> double& { return r.component_means[2]; }},
      {"rsei_dryness_mean", "1", [](R& r) -> double& { return r.component_means[3]; }},
      {"water_area_m2", "m2", [](R& r) -> double& { return r.water_area_m2; }},
      {"built_bare_area_m2", "m2", [](R& r) -> double& { return r.built_bare_area_m2; }},
      {"vegetation_area_m2", "m2", [](R& r) -> double& { return r.vegetation_area_m2; }},
  };
  return columns;
}

struct CountColumn {
  const char* name;
  std::int64_t& (*field)(UnitYearIndicators&);
};

const std::vector<CountColumn>& count_columns() {
  using R = UnitYearIndicators;
  static const std::vector<CountColumn> columns{
      {"hotspots_found", [](R& r) -> std::int64_t& { return r.hotspots_found; }},
      {"hotspots_confirmed", [](R& r) -> std::int64_t& { return r.hotspots_confirmed; }},
      {"hotspots_rectified", [](R& r) -> std::int64_t& { return r.hotspots_rectified; }},
  };
  return columns;
}

std::array<double, kRseiComponentCount> read_component_array(const H5Context& context, hid_t group, const char* name) {
  const std::vector<double> values = read_double_attribute(context, group, name);
  if (values.size() != kRseiComponentCount) {
    context.fail_plain(std::string("/calibration attribute ") + name + " must hold " +
                       std::to_string(kRseiComponentCount) + " values");
  }
  std::array<double, kRseiComponentCount> result{};
  std::copy(values.begin(), values.end(), result.begin());
  return result;
}

/// Quoted, long text cut to about 60 bytes (at a UTF-8 character boundary).
std::string describe(const std::string& text) {
  constexpr std::size_t kMaxBytes = 60;
  if (text.size() <= kMaxBytes) return "\"" + text + "\"";
  std::size_t cut = kMaxBytes - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u) --cut;
  return "\"" + text.substr(0, cut) + "...\"";
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

std::string unit_difference(std::size_t index, const ArchivedUnit& archived, const ArchivedUnit& now) {
  const std::string which = "unit " + std::to_string(index + 1) + " (" + archived.code + ")";
  const auto field = [&](const char* name, const std::string& a, const std::string& b) {
    return a == b ? std::string()
                  : which + ": " + name + " is " + describe(a) + " in the archive, " + describe(b) + " now";
  };
  for (const std::string& text :
       {field("code", archived.code, now.code), field("name", archived.name, now.name),
        field("region", archived.region, now.region),
        field("type", std::string(to_string(archived.type)), std::string(to_string(now.type))),
        field("geometry", archived.geometry_wkt, now.geometry_wkt)}) {
    if (!text.empty()) return text;
  }
  return {};
}

bool same_calibration(const RseiCalibration& a, const RseiCalibration& b) {
  const kernels::RseiModel &x = a.model, &y = b.model;
  return a.reference_year == b.reference_year && x.present == y.present && x.low == y.low && x.high == y.high &&
         x.loadings == y.loadings && x.pc1_low == y.pc1_low && x.pc1_high == y.pc1_high &&
         x.explained_variance == y.explained_variance && a.soil_ndvi == b.soil_ndvi &&
         a.vegetation_ndvi == b.vegetation_ndvi;
}

}  // namespace

std::string year_group_name(int year) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d", year);
  return text;
}

H5Id archive_access_properties(const H5Context& context) {
  H5Id access = context.own(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create file access properties");
  context.check_status(H5Pset_fclose_degree(access.get(), H5F_CLOSE_STRONG), "set the file close degree");
  context.check_status(H5Pset_libver_bounds(access.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST),
                       "set the file format bounds");
  return access;
}

H5Id open_archive(const H5Context& context, const fs::path& path, bool writable) {
  const std::string expected =
      std::string("expected a zonewatch assessment archive (HDF5 with format \"") + std::string(kArchiveFormat) + "\")";
  std::error_code error;
  if (!fs::is_regular_file(path, error)) context.fail_plain("no such file; " + expected);
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    static_cast<void>(take_hdf5_error_stack());
    context.fail_plain("not an HDF5 file; " + expected);
  }
  const H5Id access = archive_access_properties(context);
  H5Id file = context.own(H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, access.get()), H5Fclose,
                          "open the archive");
  if (!has_attribute(context, file.get(), "format")) {
    context.fail_plain("not a zonewatch assessment archive: the root has no format attribute; " + expected);
  }
  const std::string format = read_string_attribute(context, file.get(), "format");
  if (format != kArchiveFormat) {
    context.fail_plain("not a zonewatch assessment archive: format is " + describe(format) + "; " + expected);
  }
  const std::int64_t version = read_integer_scalar(context, file.get(), "format_version");
  if (version > kArchiveFormatVersion) {
    context.fail_plain("archive format_version " + std::to_string(version) + " is newer than this zonewatch reads (" +
                       std::to_string(kArchiveFormatVersion) + "); use a newer zonewatch");
  }
  if (version < 1) context.fail_plain("invalid archive format_version " + std::to_string(version));
  return file;
}

ArchiveContents read_header(const H5Context& context, hid_t file) {
  ArchiveContents header;
  header.programme = read_string_attribute(context, file, "programme");
  header.grid.crs_wkt = read_string_attribute(context, file, "crs_wkt");
  const std::vector<double> transform = read_double_attribute(context, file, "geotransform");
  if (transform.size() != 6) context.fail_plain("attribute geotransform must hold 6 numbers");
  std::copy(transform.begin(), transform.end(), header.grid.geotransform.begin());
  header.grid.width = static_cast<int>(read_integer_scalar(context, file, "width"));
  header.grid.height = static_cast<int>(read_integer_scalar(context, file, "height"));
  if (header.grid.width <= 0 || header.grid.height <= 0) context.fail_plain("the grid's width and height must be > 0");

  const H5Id units = open_group(context, file, kUnitsGroup);
  const auto codes = read_string_column(context, units.get(), "code");
  const auto names = read_string_column(context, units.get(), "name");
  const auto regions = read_string_column(context, units.get(), "region");
  const auto types = read_string_column(context, units.get(), "type");
  const auto geometries = read_string_column(context, units.get(), "geometry_wkt");
  for (const auto* column : {&names, &regions, &types, &geometries}) {
    if (column->size() != codes.size()) context.fail_plain("the columns of /units differ in length");
  }
  for (std::size_t i = 0; i < codes.size(); ++i) {
    const auto type = unit_type_from_string(types[i]);
    if (!type)
      context.fail_plain("/units/type of unit " + codes[i] + " is " + describe(types[i]) +
                         "; expected priority, key or general");
    header.units.push_back({codes[i], names[i], regions[i], *type, geometries[i]});
  }

  RseiCalibration& calibration = header.calibration;
  calibration.reference_year = static_cast<int>(read_integer_scalar(context, file, "rsei_reference_year"));
  const H5Id group = open_group(context, file, kCalibrationGroup);
  const std::vector<std::int64_t> present = read_integer_attribute(context, group.get(), "rsei_component_present");
  if (present.size() != kRseiComponentCount)
    context.fail_plain("/calibration attribute rsei_component_present must hold 4 values");
  for (int i = 0; i < kRseiComponentCount; ++i) calibration.model.present[i] = present[i] != 0;
  calibration.model.low = read_component_array(context, group.get(), "rsei_component_low");
  calibration.model.high = read_component_array(context, group.get(), "rsei_component_high");
  calibration.model.loadings = read_component_array(context, group.get(), "rsei_pc1_loadings");
  calibration.model.pc1_low = read_double_scalar(context, group.get(), "rsei_pc1_low");
  calibration.model.pc1_high = read_double_scalar(context, group.get(), "rsei_pc1_high");
  calibration.model.explained_variance = read_double_scalar(context, group.get(), "rsei_pc1_explained_variance");
  calibration.soil_ndvi = read_double_scalar(context, group.get(), "fvc_soil_ndvi");
  calibration.vegetation_ndvi = read_double_scalar(context, group.get(), "fvc_vegetation_ndvi");
  return header;
}

void write_header(const H5Context& context, hid_t file, const ArchiveContents& header) {
  write_attribute(context, file, "format", kArchiveFormat);
  write_integer_attribute(context, file, "format_version", kArchiveFormatVersion, H5T_STD_I32LE);
  write_attribute(context, file, "programme", header.programme);
  write_attribute(context, file, "crs_wkt", header.grid.crs_wkt);
  write_attribute(context, file, "geotransform", std::span<const double>(header.grid.geotransform));
  write_integer_attribute(context, file, "width", header.grid.width, H5T_STD_I32LE);
  write_integer_attribute(context, file, "height", header.grid.height, H5T_STD_I32LE);

  const H5Id units = create_group(context, file, kUnitsGroup);
  std::vector<std::string> codes, names, regions, types, geometries;
  for (const ArchivedUnit& unit : header.units) {
    codes.push_back(unit.code);
    names.push_back(unit.name);
    regions.push_back(unit.region);
    types.emplace_back(to_string(unit.type));
    geometries.push_back(unit.geometry_wkt);
  }
  write_string_column(context, units.get(), "code", codes);
  write_string_column(context, units.get(), "name", names);
  write_string_column(context, units.get(), "region", regions);
  write_string_column(context, units.get(), "type", types);
  write_string_column(context, units.get(), "geometry_wkt", geometries);

  create_group(context, file, kCalibrationGroup).reset();
  write_calibration(context, file, header.calibration);
  create_group(context, file, kYearsGroup).reset();
}

void write_calibration(const H5Context& context, hid_t file, const RseiCalibration& calibration) {
  write_integer_attribute(context, file, "rsei_reference_year", calibration.reference_year, H5T_STD_I32LE);
  const H5Id group = open_group(context, file, kCalibrationGroup);
  const hid_t g = group.get();
  const kernels::RseiModel& model = calibration.model;
  write_attribute(context, g, "rsei_component_names",
                  std::vector<std::string>(kComponentNames.begin(), kComponentNames.end()));
  std::array<std::int64_t, kRseiComponentCount> present{};
  for (int i = 0; i < kRseiComponentCount; ++i) present[i] = model.present[i] ? 1 : 0;
  write_integer_attribute(context, g, "rsei_component_present", std::span<const std::int64_t>(present), H5T_STD_U8LE);
  write_attribute(context, g, "rsei_component_low", std::span<const double>(model.low));
  write_attribute(context, g, "rsei_component_high", std::span<const double>(model.high));
  write_attribute(context, g, "rsei_pc1_loadings", std::span<const double>(model.loadings));
  write_attribute(context, g, "rsei_pc1_low", model.pc1_low);
  write_attribute(context, g, "rsei_pc1_high", model.pc1_high);
  write_attribute(context, g, "rsei_pc1_explained_variance", model.explained_variance);
  write_attribute(context, g, "fvc_soil_ndvi", calibration.soil_ndvi);
  write_attribute(context, g, "fvc_vegetation_ndvi", calibration.vegetation_ndvi);
}

std::vector<int> list_years(const H5Context& context, hid_t file) {
  if (!has_link(context, file, kYearsGroup)) return {};
  const H5Id years = open_group(context, file, kYearsGroup);
  std::vector<int> result;
  for (const std::string& name : member_names(context, years.get())) {
    int year = 0;
    const auto parsed = std::from_chars(name.data(), name.data() + name.size(), year);
    if (parsed.ec != std::errc{} || parsed.ptr != name.data() + name.size()) {
      context.fail_plain("/years/" + name + " is not a year");
    }
    result.push_back(year);
  }
  std::sort(result.begin(), result.end());
  return result;
}

ArchiveYearInfo read_year_info(const H5Context& context, hid_t year_group, int year) {
  ArchiveYearInfo info;
  info.year = year;
  info.first_date = read_string_attribute(context, year_group, "first_date");
  info.last_date = read_string_attribute(context, year_group, "last_date");
  info.sensor = read_string_attribute(context, year_group, "sensor");
  info.created_utc = read_string_attribute(context, year_group, "created_utc");
  info.scene_paths = read_string_array_attribute(context, year_group, "scene_paths");
  return info;
}

void write_year_info(const H5Context& context, hid_t year_group, const ArchiveYearInfo& info) {
  write_attribute(context, year_group, "first_date", info.first_date);
  write_attribute(context, year_group, "last_date", info.last_date);
  write_attribute(context, year_group, "sensor", info.sensor);
  write_attribute(context, year_group, "created_utc", info.created_utc);
  write_attribute(context, year_group, "scene_paths", info.scene_paths);
  write_attribute(context, year_group, "zonewatch_version", kVersion);
}

std::vector<UnitYearIndicators> read_indicators(const H5Context& context, hid_t year_group,
                                                const std::vector<ArchivedUnit>& units) {
  std::vector<UnitYearIndicators> rows(units.size());
  for (std::size_t i = 0; i < units.size(); ++i) rows[i].unit_code = units[i].code;
  const H5Id group = open_group(context, year_group, kUnitsGroup);
  const auto check_length = [&](std::size_t size, const char* name) {
    if (size != rows.size()) {
      context.fail_plain(std::string("indicator ") + name + " has " + std::to_string(size) + " rows; expected " +
                         std::to_string(rows.size()) + " (one per unit)");
    }
  };
  for (const DoubleColumn& column : double_columns()) {
    const std::vector<double> values = read_double_column(context, group.get(), column.name);
    check_length(values.size(), column.name);
    for (std::size_t i = 0; i < rows.size(); ++i) column.field(rows[i]) = values[i];
  }
  for (const CountColumn& column : count_columns()) {
    const std::vector<std::int64_t> values = read_int64_column(context, group.get(), column.name);
    check_length(values.size(), column.name);
    for (std::size_t i = 0; i < rows.size(); ++i) column.field(rows[i]) = values[i];
  }
  return rows;
}

void write_indicators(const H5Context& context, hid_t year_group, const std::vector<UnitYearIndicators>& rows) {
  std::vector<UnitYearIndicators> copy = rows;  // the column accessors are shared with the reader
  const H5Id group = create_group(context, year_group, kUnitsGroup);
  for (const DoubleColumn& column : double_columns()) {
    std::vector<double> values;
    values.reserve(copy.size());
    for (UnitYearIndicators& row : copy) values.push_back(column.field(row));
    write_double_column(context, group.get(), column.name, values, column.units);
  }
  for (const CountColumn& column : count_columns()) {
    std::vector<std::int64_t> values;
    values.reserve(copy.size());
    for (UnitYearIndicators& row : copy) values.push_back(column.field(row));
    write_int64_column(context, group.get(), column.name, values);
  }
}

std::string header_difference(const ArchiveContents& archived, const ArchiveContents& now) {
  if (archived.programme != now.programme) {
    return "programme is " + describe(archived.programme) + " in the archive, " + describe(now.programme) + " now";
  }
  const ArchiveGrid &a = archived.grid, &b = now.grid;
  if (a.width != b.width || a.height != b.height) {
    return "grid is " + std::to_string(a.width) + " x " + std::to_string(a.height) + " px in the archive, " +
           std::to_string(b.width) + " x " + std::to_string(b.height) + " now";
  }
  if (a.geotransform != b.geotransform) {
    std::string text = "grid geotransform differs (archive";
    for (double v : a.geotransform) text += " " + number(v);
    text += ", now";
    for (double v : b.geotransform) text += " " + number(v);
    return text + ")";
  }
  if (a.crs_wkt != b.crs_wkt)
    return "grid CRS differs: " + describe(a.crs_wkt) + " in the archive, " + describe(b.crs_wkt) + " now";
  if (archived.units.size() != now.units.size()) {
    return "the archive has " + std::to_string(archived.units.size()) + " control units, the new year " +
           std::to_string(now.units.size());
  }
  for (std::size_t i = 0; i < archived.units.size(); ++i) {
    std::string text = unit_difference(i, archived.units[i], now.units[i]);
    if (!text.empty()) return text;
  }
  if (archived.calibration.reference_year != 0 && now.calibration.reference_year != 0 &&
      !same_calibration(archived.calibration, now.calibration)) {
    return "RSEI/FVC calibration differs from the archived one (reference year " +
           std::to_string(archived.calibration.reference_year) + " in the archive, " +
           std::to_string(now.calibration.reference_year) + " now); years would not compare";
  }
  return {};
}

}  // namespace zw::archive_detail
