// Reading the assessment archive, and the standard rasters' descriptions. The year writer is
// in archive_writer.cpp; the layout in archive_layout.cpp.
#include "zonewatch/pipeline/archive/archive_file.hpp"

#include <algorithm>
#include <limits>

#include "archive_layout.hpp"
#include "zonewatch/kernels/ecology.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
using archive_detail::H5Context;
using archive_detail::H5Id;

H5Context reading(const fs::path& archive) { return {archive.string(), H5Context::Mode::reading}; }

std::string year_list(const std::vector<int>& years) {
  if (years.empty()) return "none";
  std::string text;
  for (int year : years) text += (text.empty() ? "" : ", ") + std::to_string(year);
  return text;
}

H5Id open_year(const H5Context& context, hid_t file, int year) {
  const std::vector<int> years = archive_detail::list_years(context, file);
  if (std::find(years.begin(), years.end(), year) == years.end()) {
    context.fail_plain("year " + std::to_string(year) + " is not archived (archived: " + year_list(years) + ")");
  }
  const H5Id group = archive_detail::open_group(context, file, archive_detail::kYearsGroup);
  return archive_detail::open_group(context, group.get(), archive_detail::year_group_name(year));
}

/// A raster dataset and the file space of `window` in it (checked against its extent).
struct RasterWindow {
  H5Id file, dataset, file_space, memory_space;
};

RasterWindow open_raster_window(const H5Context& context, const fs::path& archive, int year, std::string_view raster,
                                kernels::Window window) {
  RasterWindow result;
  result.file = archive_detail::open_archive(context, archive, false);
  const H5Id year_group = open_year(context, result.file.get(), year);
  const H5Id rasters = archive_detail::open_group(context, year_group.get(), archive_detail::kRastersGroup);
  const std::string name(raster);
  if (!archive_detail::has_link(context, rasters.get(), name)) {
    context.fail_plain("year " + std::to_string(year) + " has no raster " + name);
  }
  const std::string what = "raster " + name + " of year " + std::to_string(year);
  result.dataset = context.own(H5Dopen2(rasters.get(), name.c_str(), H5P_DEFAULT), H5Dclose, "open " + what);
  result.file_space = context.own(H5Dget_space(result.dataset.get()), H5Sclose, "read the extent of " + what);
  hsize_t dims[2] = {0, 0};
  if (H5Sget_simple_extent_ndims(result.file_space.get()) != 2 ||
      H5Sget_simple_extent_dims(result.file_space.get(), dims, nullptr) != 2) {
    context.fail_plain(what + " is not two-dimensional");
  }
  if (window.empty() || window.x0 < 0 || window.y0 < 0 || static_cast<hsize_t>(window.x1()) > dims[1] ||
      static_cast<hsize_t>(window.y1()) > dims[0]) {
    context.fail_plain("window " + std::to_string(window.width) + " x " + std::to_string(window.height) + " at (" +
                       std::to_string(window.x0) + ", " + std::to_string(window.y0) + ") leaves the " +
                       std::to_string(dims[1]) + " x " + std::to_string(dims[0]) + " grid of " + what);
  }
  const hsize_t start[2] = {static_cast<hsize_t>(window.y0), static_cast<hsize_t>(window.x0)};
  const hsize_t count[2] = {static_cast<hsize_t>(window.height), static_cast<hsize_t>(window.width)};
  context.check_status(H5Sselect_hyperslab(result.file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
                       "select a window of " + what);
  result.memory_space = context.own(H5Screate_simple(2, count, nullptr), H5Sclose, "create a dataspace");
  return result;
}

double optional_double(const H5Context& context, hid_t dataset, const char* name, double fallback) {
  return archive_detail::has_attribute(context, dataset, name)
             ? archive_detail::read_double_scalar(context, dataset, name)
             : fallback;
}

/// The land classes of kernels/ecology.hpp as CF flags (no data is the fill value instead).
ArchiveRasterSpec land_class_raster() {
  ArchiveRasterSpec spec{"land_class", "land class", "1", ArchiveRasterKind::classes, {}, {}};
  for (const auto& entry : kernels::kLandClassNames.entries()) {
    if (entry.value == kernels::LandClass::nodata) continue;
    spec.flag_values.push_back(static_cast<std::uint8_t>(entry.value));
    spec.flag_meanings.emplace_back(entry.name);
  }
  return spec;
}

}  // namespace

const std::vector<ArchiveRasterSpec>& standard_archive_rasters() {
  using K = ArchiveRasterKind;
  static const std::vector<ArchiveRasterSpec> rasters{
      {"ndvi", "normalized difference vegetation index", "1", K::scaled_index, {}, {}},
      {"fvc", "fractional vegetation cover (dimidiate pixel model)", "1", K::scaled_index, {}, {}},
      {"rsei", "remote sensing ecological index", "1", K::scaled_index, {}, {}},
      {"rsei_greenness", "RSEI greenness component (NDVI), normalized", "1", K::scaled_index, {}, {}},
      {"rsei_wetness", "RSEI wetness component (tasseled cap), normalized", "1", K::scaled_index, {}, {}},
      {"rsei_heat", "RSEI heat component (at-sensor brightness temperature), normalized", "1", K::scaled_index, {}, {}},
      {"rsei_dryness", "RSEI dryness component (NDBSI), normalized", "1", K::scaled_index, {}, {}},
      land_class_raster(),
  };
  return rasters;
}

const ArchiveRasterSpec& standard_archive_raster(std::string_view name) {
  for (const ArchiveRasterSpec& spec : standard_archive_rasters()) {
    if (spec.name == name) return spec;
  }
  throw InternalError("archive: no standard raster named \"" + std::string(name) + "\"");
}

ArchiveContents read_archive(const fs::path& archive) {
  const H5Context context = reading(archive);
  const H5Id file = archive_detail::open_archive(context, archive, false);
  ArchiveContents contents = archive_detail::read_header(context, file.get());
  const std::vector<int> years = archive_detail::list_years(context, file.get());
  if (years.empty()) return contents;
  const H5Id years_group = archive_detail::open_group(context, file.get(), archive_detail::kYearsGroup);
  for (int year : years) {
    const H5Id group = archive_detail::open_group(context, years_group.get(), archive_detail::year_group_name(year));
    contents.years[year] = archive_detail::read_year_info(context, group.get(), year);
    contents.indicators[year] = archive_detail::read_indicators(context, group.get(), contents.units);
  }
  return contents;
}

std::vector<int> archived_years(const fs::path& archive) {
  const H5Context context = reading(archive);
  const H5Id file = archive_detail::open_archive(context, archive, false);
  return archive_detail::list_years(context, file.get());
}

std::vector<std::string> archived_rasters(const fs::path& archive, int year) {
  const H5Context context = reading(archive);
  const H5Id file = archive_detail::open_archive(context, archive, false);
  const H5Id group = open_year(context, file.get(), year);
  const H5Id rasters = archive_detail::open_group(context, group.get(), archive_detail::kRastersGroup);
  return archive_detail::member_names(context, rasters.get());
}

kernels::Tile<float> read_raster_window(const fs::path& archive, int year, std::string_view raster,
                                        kernels::Window window) {
  const H5Context context = reading(archive);
  const RasterWindow source = open_raster_window(context, archive, year, raster, window);
  const hid_t dataset = source.dataset.get();
  const double scale = optional_double(context, dataset, "scale_factor", 1.0);
  const double offset = optional_double(context, dataset, "add_offset", 0.0);
  const bool has_fill = archive_detail::has_attribute(context, dataset, "_FillValue");
  const std::int64_t fill = has_fill ? archive_detail::read_integer_scalar(context, dataset, "_FillValue") : 0;

  // Stored int16 or uint8 converted by HDF5 to int32, then decoded the CF way.
  std::vector<std::int32_t> stored(static_cast<std::size_t>(window.pixel_count()));
  context.check_status(H5Dread(dataset, H5T_NATIVE_INT32, source.memory_space.get(), source.file_space.get(),
                               H5P_DEFAULT, stored.data()),
                       "read raster " + std::string(raster) + " of year " + std::to_string(year));
  kernels::Tile<float> tile(window.width, window.height, kernels::kUninitialized);
  float* out = tile.data();
  for (std::size_t i = 0; i < stored.size(); ++i) {
    out[i] = (has_fill && stored[i] == fill) ? kernels::kNaN
                                             : static_cast<float>(static_cast<double>(stored[i]) * scale + offset);
  }
  return tile;
}

kernels::Tile<std::uint8_t> read_class_window(const fs::path& archive, int year, std::string_view raster,
                                              kernels::Window window) {
  const H5Context context = reading(archive);
  const RasterWindow source = open_raster_window(context, archive, year, raster, window);
  const H5Id type = context.own(H5Dget_type(source.dataset.get()), H5Tclose, "read the type of a raster");
  if (H5Tget_class(type.get()) != H5T_INTEGER || H5Tget_size(type.get()) != 1 ||
      H5Tget_sign(type.get()) != H5T_SGN_NONE) {
    context.fail_plain("raster " + std::string(raster) + " of year " + std::to_string(year) +
                       " is not a uint8 class raster");
  }
  kernels::Tile<std::uint8_t> tile(window.width, window.height, kernels::kUninitialized);
  context.check_status(H5Dread(source.dataset.get(), H5T_NATIVE_UINT8, source.memory_space.get(),
                               source.file_space.get(), H5P_DEFAULT, tile.data()),
                       "read raster " + std::string(raster) + " of year " + std::to_string(year));
  return tile;
}

}  // namespace zw
