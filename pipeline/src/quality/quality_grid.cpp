// Gridded quality layers: the time of each band, per-period pixel means, and unit means by
// pixel centres inside the unit (on the layer's own grid and CRS: a quality grid is coarse
// and rarely the scan's analysis grid).
#include "zonewatch/pipeline/quality/quality_grid.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>

#include <gdal_priv.h>
#include <ogr_geometry.h>

#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"

namespace zw {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct DatasetCloser {
  void operator()(GDALDataset* ds) const { GDALClose(GDALDataset::ToHandle(ds)); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

std::string layer_name(const QualityGridOptions& layer) {
  return layer.variable.empty() ? layer.path : layer.path + " (variable '" + layer.variable + "')";
}

/// The file itself, or its subdataset named `variable` (NetCDF "NETCDF:file:var", HDF5 "//group/var").
DatasetPtr open_layer(const QualityGridOptions& layer) {
  DatasetPtr ds(GDALDataset::Open(layer.path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (!ds) throw InputError(layer.path + ": cannot open the quality grid as a raster");
  if (layer.variable.empty()) {
    if (ds->GetRasterCount() == 0) {
      throw InputError(layer.path +
                       ": the quality grid has no bands of its own; name one of its variables "
                       "(key 'quality.grids.<name>.variable')");
    }
    return ds;
  }
  const CPLStringList subdatasets(CSLDuplicate(ds->GetMetadata("SUBDATASETS")));
  std::string names;
  for (int i = 0; i < subdatasets.size(); ++i) {
    const char* entry = subdatasets[i];
    const std::string item(entry);
    const auto eq = item.find('=');
    if (eq == std::string::npos || item.find("_NAME=") == std::string::npos) continue;
    const std::string name = item.substr(eq + 1);
    const auto cut = name.find_last_of(":/");
    const std::string tail = cut == std::string::npos ? name : name.substr(cut + 1);
    names += (names.empty() ? "" : ", ") + tail;
    if (tail != layer.variable) continue;
    DatasetPtr sub(GDALDataset::Open(name.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    if (!sub) throw InputError(layer_name(layer) + ": cannot open the variable as a raster");
    return sub;
  }
  throw InputError(layer.path + ": no variable '" + layer.variable +
                   "' (variables: " + (names.empty() ? "none" : names) + ")");
}

/// YYYY-MM-DD with an optional THH or " HH": the hour index.
std::optional<HourIndex> iso_hour(std::string_view text) {
  text = std::string_view(text).substr(0, std::min<std::size_t>(text.size(), 13));
  const auto date = Date::parse_iso(text.substr(0, std::min<std::size_t>(text.size(), 10)));
  if (!date) return std::nullopt;
  int hour = 0;
  if (text.size() == 13 && (text[10] == 'T' || text[10] == 't' || text[10] == ' ') &&
      std::isdigit(static_cast<unsigned char>(text[11])) && std::isdigit(static_cast<unsigned char>(text[12]))) {
    hour = (text[11] - '0') * 10 + (text[12] - '0');
  }
  return date->days() * 24 + hour;
}

std::optional<HourIndex> band_hour(GDALDataset& ds, GDALRasterBand& band) {
  if (const char* cf = band.GetMetadataItem("NETCDF_DIM_time")) {
    const char* units = ds.GetMetadataItem("time#units");
    if (units != nullptr) return cf_time_hour(std::strtod(cf, nullptr), units);
  }
  for (const char* key : {"TIME", "time", "DATE", "date", "ACQUISITIONDATE", "DATETIME"}) {
    if (const char* value = band.GetMetadataItem(key)) return iso_hour(value);
  }
  if (const char* description = band.GetDescription(); description != nullptr && *description != '\0') {
    return iso_hour(description);
  }
  return std::nullopt;
}

}  // namespace

std::optional<HourIndex> cf_time_hour(double value, std::string_view units) {
  const std::string text = text::lower_trimmed(units);
  const auto since = text.find(" since ");
  if (since == std::string::npos || !std::isfinite(value)) return std::nullopt;
  const std::string unit = text.substr(0, since);
  double hours_per_unit = 0.0;
  if (unit == "days" || unit == "day" || unit == "d")
    hours_per_unit = 24.0;
  else if (unit == "hours" || unit == "hour" || unit == "h")
    hours_per_unit = 1.0;
  else if (unit == "minutes" || unit == "minute" || unit == "min")
    hours_per_unit = 1.0 / 60.0;
  else if (unit == "seconds" || unit == "second" || unit == "s")
    hours_per_unit = 1.0 / 3600.0;
  else
    return std::nullopt;
  const auto origin = iso_hour(text::trim(text.substr(since + 7)));
  if (!origin) return std::nullopt;
  return *origin + static_cast<HourIndex>(std::floor(value * hours_per_unit + 1e-9));
}

std::vector<HourIndex> quality_grid_band_hours(const QualityGridOptions& layer) {
  DatasetPtr ds = open_layer(layer);
  std::vector<HourIndex> hours;
  for (int b = 1; b <= ds->GetRasterCount(); ++b) {
    const auto hour = band_hour(*ds, *ds->GetRasterBand(b));
    if (!hour) {
      throw InputError(layer_name(layer) + ": band " + std::to_string(b) +
                       " has no time; expected a time dimension (NetCDF/HDF5 'time' with CF units, or a band "
                       "metadata item TIME or DATE, or a band description, as YYYY-MM-DD)");
    }
    hours.push_back(*hour);
  }
  return hours;
}

std::vector<GridPeriodStatistic> quality_grid_unit_means(const QualityGridOptions& layer,
                                                         const std::vector<ControlUnit>& units,
                                                         const std::string& units_crs_wkt, HourIndex first_hour,
                                                         std::size_t hours) {
  const std::vector<HourIndex> band_hours = quality_grid_band_hours(layer);
  DatasetPtr ds = open_layer(layer);
  const int width = ds->GetRasterXSize(), height = ds->GetRasterYSize();
  double gt[6];
  if (ds->GetGeoTransform(gt) != CE_None || ds->GetSpatialRef() == nullptr) {
    throw InputError(layer_name(layer) + ": the quality grid has no georeferencing (geotransform and CRS)");
  }
  if (gt[2] != 0.0 || gt[4] != 0.0) throw InputError(layer_name(layer) + ": rotated grids are not supported");
  char* wkt_text = nullptr;
  ds->GetSpatialRef()->exportToWkt(&wkt_text);
  const std::string grid_wkt = wkt_text != nullptr ? wkt_text : "";
  CPLFree(wkt_text);

  // Per pixel: the mean of the period's valid steps; and the counts for the valid share.
  const std::size_t pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  std::vector<double> sum(pixels, 0.0);
  std::vector<int> valid(pixels, 0);
  int steps = 0;
  std::vector<double> buffer(pixels);
  for (int b = 1; b <= ds->GetRasterCount(); ++b) {
    const HourIndex h = band_hours[static_cast<std::size_t>(b - 1)];
    if (h < first_hour || h >= first_hour + static_cast<HourIndex>(hours)) continue;
    ++steps;
    GDALRasterBand* band = ds->GetRasterBand(b);
    if (band->RasterIO(GF_Read, 0, 0, width, height, buffer.data(), width, height, GDT_Float64, 0, 0, nullptr) !=
        CE_None) {
      throw InputError(layer_name(layer) + ": band " + std::to_string(b) + " cannot be read");
    }
    int has_nodata = 0;
    const double nodata = band->GetNoDataValue(&has_nodata);
    const double scale = band->GetScale(), offset = band->GetOffset();
    for (std::size_t i = 0; i < pixels; ++i) {
      const double v = buffer[i];
      if (std::isnan(v) || (has_nodata != 0 && v == nodata)) continue;
      sum[i] += v * scale + offset;
      ++valid[i];
    }
  }

  const geo::Reprojector to_grid(units_crs_wkt, grid_wkt);
  std::vector<GridPeriodStatistic> out;
  for (const ControlUnit& unit : units) {
    GridPeriodStatistic stat{kNaN, 0.0};
    const auto geometry = to_grid(*geo::from_wkt(unit.geometry_wkt, "unit " + unit.code));
    OGREnvelope env;
    geometry->getEnvelope(&env);
    // Pixel window of the envelope (north-up grid, checked above).
    const auto col = [&](double x) { return (x - gt[0]) / gt[1]; };
    const auto row = [&](double y) { return (y - gt[3]) / gt[5]; };
    const int x0 = std::max(0, static_cast<int>(std::floor(std::min(col(env.MinX), col(env.MaxX)))));
    const int x1 = std::min(width - 1, static_cast<int>(std::ceil(std::max(col(env.MinX), col(env.MaxX)))));
    const int y0 = std::max(0, static_cast<int>(std::floor(std::min(row(env.MinY), row(env.MaxY)))));
    const int y1 = std::min(height - 1, static_cast<int>(std::ceil(std::max(row(env.MinY), row(env.MaxY)))));
    double mean_sum = 0.0;
    std::size_t inside = 0, with_value = 0, valid_steps = 0;
    for (int y = y0; y <= y1; ++y) {
      for (int x = x0; x <= x1; ++x) {
        const OGRPoint centre(gt[0] + (x + 0.5) * gt[1] + (y + 0.5) * gt[2],
                              gt[3] + (x + 0.5) * gt[4] + (y + 0.5) * gt[5]);
        if (!geometry->Contains(&centre)) continue;
        ++inside;
        const std::size_t i =
            static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x);
        valid_steps += static_cast<std::size_t>(valid[i]);
        if (valid[i] == 0) continue;
        mean_sum += sum[i] / valid[i];
        ++with_value;
      }
    }
    if (with_value > 0) stat.mean = mean_sum / static_cast<double>(with_value);
    if (inside > 0 && steps > 0) {
      stat.valid_share = static_cast<double>(valid_steps) / (static_cast<double>(inside) * steps);
    }
    out.push_back(stat);
  }
  return out;
}

}  // namespace zw
